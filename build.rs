//! Generates the gRPC server and client stubs for Terraform's plugin
//! protocol (tfplugin6) and for go-plugin's side services (controller,
//! stdio, health) with a vendored `protoc`, so builds need no system protoc.

use std::path::PathBuf;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    println!("cargo:rerun-if-changed=proto");
    println!("cargo:rerun-if-changed=build.rs");

    let protoc = protoc_bin_vendored::protoc_bin_path()?;
    let well_known = protoc_bin_vendored::include_path()?;
    let mut config = tonic_prost_build::Config::new();
    config.protoc_executable(protoc);

    let protos = [
        PathBuf::from("proto/tfplugin6.proto"),
        PathBuf::from("proto/go_plugin.proto"),
        PathBuf::from("proto/health.proto"),
    ];
    let includes = [PathBuf::from("proto"), well_known];
    tonic_prost_build::configure()
        .build_server(true)
        .build_client(true)
        // Terraform tolerates Unimplemented for every RPC the framework does
        // not serve (state stores, actions, ephemeral resources, ...).
        .generate_default_stubs(true)
        .compile_with_config(config, &protos, &includes)?;
    Ok(())
}
