//! go-plugin's side services: Controller.Shutdown (graceful exit),
//! GRPCStdio.StreamStdio (an idle stream: logs go to stderr directly) and
//! the health check go-plugin uses as Ping.

use futures::StreamExt as _;
use tokio_util::sync::CancellationToken;
use tonic::codegen::BoxStream;
use tonic::{Request, Response, Status};

use super::proto::health::{self, health_check_response::ServingStatus};
use super::proto::plugin;

/// The go-plugin name under which health checks report SERVING.
pub const HEALTH_SERVICE_NAME: &str = "plugin";

/// `plugin.GRPCController`.
pub struct Controller {
    /// Cancelled by Shutdown; the server then stops gracefully.
    pub shutdown: CancellationToken,
}

#[tonic::async_trait]
impl plugin::grpc_controller_server::GrpcController for Controller {
    async fn shutdown(
        &self,
        _request: Request<plugin::Empty>,
    ) -> Result<Response<plugin::Empty>, Status> {
        tracing::debug!("Shutdown requested by the plugin client");
        self.shutdown.cancel();
        Ok(Response::new(plugin::Empty {}))
    }
}

/// `plugin.GRPCStdio`.
pub struct Stdio {
    /// Ends the stream at shutdown so graceful shutdown does not wait on it.
    pub shutdown: CancellationToken,
}

#[tonic::async_trait]
impl plugin::grpc_stdio_server::GrpcStdio for Stdio {
    async fn stream_stdio(
        &self,
        _request: Request<()>,
    ) -> Result<Response<BoxStream<plugin::StdioData>>, Status> {
        let shutdown = self.shutdown.clone();
        // Sends nothing: the provider writes its logs to stderr itself.
        let stream = futures::stream::once(async move { shutdown.cancelled_owned().await })
            .filter_map(|()| futures::future::ready(None::<Result<plugin::StdioData, Status>>));
        Ok(Response::new(Box::pin(stream)))
    }
}

/// `grpc.health.v1.Health`.
pub struct Health;

#[tonic::async_trait]
impl health::health_server::Health for Health {
    async fn check(
        &self,
        request: Request<health::HealthCheckRequest>,
    ) -> Result<Response<health::HealthCheckResponse>, Status> {
        let service = request.into_inner().service;
        if service.is_empty() || service == HEALTH_SERVICE_NAME {
            Ok(Response::new(health::HealthCheckResponse {
                status: ServingStatus::Serving as i32,
            }))
        } else {
            Err(Status::not_found(format!("unknown service {service:?}")))
        }
    }
}
