//! The gRPC server: the four jobmatch services, grpc.health.v1 and server reflection on one listener, with
//! graceful shutdown that commits the index.

use std::future::Future;
use std::sync::Arc;

use jobmatch_proto::v1::company_service_server::CompanyServiceServer;
use jobmatch_proto::v1::match_service_server::MatchServiceServer;
use jobmatch_proto::v1::search_service_server::SearchServiceServer;
use jobmatch_proto::v1::taxonomy_service_server::TaxonomyServiceServer;
use tokio::net::TcpListener;
use tonic::transport::Server;

use crate::app::App;
use crate::grpc::Api;

/// Serves until `shutdown` resolves, then drains requests and commits the index.
pub async fn serve(
    app: Arc<App>,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send,
) -> anyhow::Result<()> {
    let api = Api::new(Arc::clone(&app));
    let (health_reporter, health_service) = tonic_health::server::health_reporter();
    health_reporter
        .set_serving::<CompanyServiceServer<Api>>()
        .await;
    health_reporter
        .set_serving::<SearchServiceServer<Api>>()
        .await;
    health_reporter
        .set_serving::<MatchServiceServer<Api>>()
        .await;
    health_reporter
        .set_serving::<TaxonomyServiceServer<Api>>()
        .await;
    let reflection = tonic_reflection::server::Builder::configure()
        .register_encoded_file_descriptor_set(jobmatch_proto::FILE_DESCRIPTOR_SET)
        .register_encoded_file_descriptor_set(tonic_health::pb::FILE_DESCRIPTOR_SET)
        .build_v1()?;
    // grpcurl 1.8 and other older clients only speak the v1alpha reflection protocol.
    let reflection_alpha = tonic_reflection::server::Builder::configure()
        .register_encoded_file_descriptor_set(jobmatch_proto::FILE_DESCRIPTOR_SET)
        .register_encoded_file_descriptor_set(tonic_health::pb::FILE_DESCRIPTOR_SET)
        .build_v1alpha()?;
    let addr = listener.local_addr()?;
    // Without TCP_NODELAY small responses wait for the peer's delayed ACK (about 40 ms on Linux).
    let incoming = tonic::transport::server::TcpIncoming::from(listener).with_nodelay(Some(true));
    tracing::info!(%addr, "jobmatch gRPC server listening");
    Server::builder()
        .add_service(health_service)
        .add_service(reflection)
        .add_service(reflection_alpha)
        .add_service(CompanyServiceServer::new(api.clone()))
        .add_service(SearchServiceServer::new(api.clone()))
        .add_service(MatchServiceServer::new(api.clone()))
        .add_service(TaxonomyServiceServer::new(api))
        .serve_with_incoming_shutdown(incoming, shutdown)
        .await?;
    app.index.commit()?;
    tracing::info!("server stopped; index committed");
    Ok(())
}

/// Resolves on SIGINT or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
    tracing::info!("shutdown signal received");
}
