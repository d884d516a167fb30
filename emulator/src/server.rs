//! The HTTP server: one axum fallback handler that sends `/_emulator/*`
//! to the admin endpoints and everything else through the API pipeline.

use crate::admin;
use crate::app::App;
use crate::config::Config;
use crate::connection::{Cut, CuttableListener};
use crate::faults::held::Release;
use crate::pipeline::{self, ApiRequest};
use axum::body::Bytes;
use axum::extract::{ConnectInfo, State as Shared};
use axum::http::{HeaderMap, Method, Uri};
use axum::response::Response;
use axum::Router;
use std::future::Future;
use std::sync::Arc;

/// Serves the emulator on `listener` until `shutdown` resolves.
pub async fn serve(
    listener: tokio::net::TcpListener,
    config: Config,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let app =
        App::new(config).map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, e))?;
    let app = Arc::new(app);
    let router = Router::new().fallback(handle).with_state(Arc::clone(&app));
    // A held request would keep its connection, and so the graceful
    // shutdown, waiting for ever: let it go unapplied.
    let stopping = async move {
        shutdown.await;
        app.held.release_all(Release::Discard);
    };
    let service = router.into_make_service_with_connect_info::<Cut>();
    axum::serve(CuttableListener(listener), service)
        .with_graceful_shutdown(stopping)
        .await
}

async fn handle(
    Shared(app): Shared<Arc<App>>,
    ConnectInfo(cut): ConnectInfo<Cut>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let path = uri.path();
    if path == "/_emulator" || path.starts_with("/_emulator/") {
        return admin::handle(&app, &method, path, &body);
    }
    let request = ApiRequest {
        method,
        uri,
        headers,
        body,
    };
    pipeline::run(app, cut, request).await
}
