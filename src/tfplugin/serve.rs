//! Running the provider as a plugin: the go-plugin handshake (or `-debug`
//! reattach mode), AutoMTLS, and the gRPC server with go-plugin's services.

use std::future::Future;
use std::io::Write as _;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;
use tokio_stream::wrappers::ReceiverStream;
use tokio_util::sync::CancellationToken;
use tonic::transport::server::TcpIncoming;
use tonic::transport::Server;

use super::handshake::{self, HandshakeError, PluginEnv};
use super::logging;
use super::plugin_services::{Controller, Health, Stdio};
use super::proto::{health, plugin};
use super::provider::Provider;
use super::server::ProviderServer;
pub use super::tls::ServerTls;
use super::tls::TlsConn;

/// How the provider presents itself.
#[derive(Debug, Clone, Copy)]
pub struct ServeOptions {
    /// Source address for `TF_REATTACH_PROVIDERS`, e.g. `pypiauth/pypi`.
    pub provider_address: &'static str,
    /// Provider type name, e.g. `pypi`; names the log module `provider.terraform-provider-<name>`.
    pub name: &'static str,
}

/// Why serving stopped with an error.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// Binding, the handshake line or the listener failed.
    #[error("I/O error: {0}")]
    Io(#[from] std::io::Error),
    /// The gRPC server failed.
    #[error("gRPC server error: {0}")]
    Transport(#[from] tonic::transport::Error),
    /// AutoMTLS could not be set up.
    #[error(transparent)]
    Tls(#[from] super::tls::TlsError),
    /// The environment is not a Terraform plugin environment.
    #[error(transparent)]
    Handshake(#[from] HandshakeError),
}

/// How long a client may take to finish its TLS handshake.
const TLS_HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(30);

/// Runs the plugin process: `-debug` starts a reattachable server, anything
/// else expects to be started by Terraform. Returns the process exit code.
pub fn serve_main(provider: Arc<dyn Provider>, opts: ServeOptions) -> ExitCode {
    logging::init_logging(&format!("provider.terraform-provider-{}", opts.name));
    let debug = std::env::args()
        .skip(1)
        .any(|a| a == "-debug" || a == "--debug");
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("Could not start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async move {
        if debug {
            run_debug(provider, opts).await
        } else {
            run_plugin(provider).await
        }
    });
    // Tasks still running (idle connections) must not keep the process alive.
    runtime.shutdown_timeout(Duration::from_secs(1));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(ServeError::Handshake(e)) => {
            eprintln!("{e}");
            ExitCode::FAILURE
        }
        Err(e) => {
            tracing::error!(error = %e, "Provider server failed");
            eprintln!("Error: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Normal plugin mode: handshake on stdout, serve until Terraform shuts us down.
async fn run_plugin(provider: Arc<dyn Provider>) -> Result<(), ServeError> {
    let env = PluginEnv::from_lookup(|k| std::env::var(k).ok())?;
    ignore_interrupts();
    let listener = handshake::bind(&env).await?;
    let tls = env
        .client_cert_pem
        .as_deref()
        .map(ServerTls::auto_mtls)
        .transpose()?;
    let line = handshake::handshake_line(
        listener.local_addr()?,
        tls.as_ref().map(|t| t.cert_der.as_slice()),
    );
    {
        let mut out = std::io::stdout().lock();
        writeln!(out, "{line}")?;
        out.flush()?;
    }
    tracing::debug!(tls = tls.is_some(), "Plugin server started");
    serve(provider, listener, tls, std::future::pending()).await
}

/// `-debug` mode: plaintext, no handshake, prints the reattach configuration, stops on Ctrl-C.
async fn run_debug(provider: Arc<dyn Provider>, opts: ServeOptions) -> Result<(), ServeError> {
    let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
    let message = handshake::debug_message(
        opts.provider_address,
        listener.local_addr()?,
        std::process::id(),
    );
    {
        let mut out = std::io::stdout().lock();
        write!(out, "{message}")?;
        out.flush()?;
    }
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    serve(provider, listener, None, ctrl_c).await
}

/// Terraform sends SIGINT to the whole process group on Ctrl-C and then
/// StopProvider; like go-plugin servers, the plugin ignores the signal.
fn ignore_interrupts() {
    #[cfg(unix)]
    {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::interrupt()) {
            Ok(mut sigint) => {
                tokio::spawn(async move {
                    while sigint.recv().await.is_some() {
                        tracing::debug!(
                            "Ignoring SIGINT; Terraform stops providers with StopProvider"
                        );
                    }
                });
            }
            Err(e) => tracing::warn!(error = %e, "Could not ignore SIGINT"),
        }
    }
    #[cfg(not(unix))]
    {
        tokio::spawn(async {
            while tokio::signal::ctrl_c().await.is_ok() {
                tracing::debug!("Ignoring Ctrl-C; Terraform stops providers with StopProvider");
            }
        });
    }
}

/// Serves `provider` (plus go-plugin's controller, stdio and health services)
/// on `listener` until `shutdown` completes or a client calls
/// Controller.Shutdown. With `tls`, clients must present the pinned certificate.
pub async fn serve(
    provider: Arc<dyn Provider>,
    listener: TcpListener,
    tls: Option<ServerTls>,
    shutdown: impl Future<Output = ()> + Send,
) -> Result<(), ServeError> {
    logging::install_panic_hook();
    let stop = CancellationToken::new();
    let calls = CancellationToken::new();
    let router = Server::builder()
        .add_service(ProviderServer::new(provider, calls.clone()).into_service())
        .add_service(plugin::grpc_controller_server::GrpcControllerServer::new(
            Controller {
                shutdown: stop.clone(),
            },
        ))
        .add_service(plugin::grpc_stdio_server::GrpcStdioServer::new(Stdio {
            shutdown: stop.clone(),
        }))
        .add_service(health::health_server::HealthServer::new(Health));
    let signal = {
        let stop = stop.clone();
        async move {
            tokio::select! {
                () = shutdown => {}
                () = stop.cancelled() => {}
            }
            tracing::debug!("Plugin server shutting down");
            // Ends the stdio stream and tells running handlers to wrap up,
            // so the graceful stop does not wait on them.
            stop.cancel();
            calls.cancel();
        }
    };
    match tls {
        None => {
            let incoming = TcpIncoming::from(listener).with_nodelay(Some(true));
            router
                .serve_with_incoming_shutdown(incoming, signal)
                .await?;
        }
        Some(tls) => {
            let incoming = tls_incoming(listener, tls, stop.clone());
            router
                .serve_with_incoming_shutdown(incoming, signal)
                .await?;
        }
    }
    Ok(())
}

/// Accepts TCP connections and completes TLS handshakes concurrently, so a
/// slow or refused client never holds up the others.
fn tls_incoming(
    listener: TcpListener,
    tls: ServerTls,
    stop: CancellationToken,
) -> ReceiverStream<Result<TlsConn, std::io::Error>> {
    let (tx, rx) = tokio::sync::mpsc::channel(16);
    let acceptor = tokio_rustls::TlsAcceptor::from(tls.config);
    tokio::spawn(async move {
        loop {
            let accepted = tokio::select! {
                () = stop.cancelled() => break,
                () = tx.closed() => break,
                accepted = listener.accept() => accepted,
            };
            let (tcp, peer) = match accepted {
                Ok(ok) => ok,
                Err(e) => {
                    // E.g. out of file descriptors: back off instead of spinning.
                    tracing::warn!(error = %e, "Accepting a connection failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            };
            let _ = tcp.set_nodelay(true);
            let acceptor = acceptor.clone();
            let tx = tx.clone();
            tokio::spawn(async move {
                match tokio::time::timeout(TLS_HANDSHAKE_TIMEOUT, acceptor.accept(tcp)).await {
                    Ok(Ok(stream)) => {
                        let _ = tx.send(Ok(TlsConn(stream))).await;
                    }
                    Ok(Err(e)) => {
                        tracing::warn!(peer = %peer, error = %e, "Refused a TLS connection")
                    }
                    Err(_) => tracing::warn!(peer = %peer, "TLS handshake timed out"),
                }
            });
        }
    });
    ReceiverStream::new(rx)
}
