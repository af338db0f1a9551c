//! grpc.health.v1, server reflection, deadlines and graceful shutdown.

use std::time::Duration;

use jobmatch_tests::v1::{
    GetCompanyRequest, MatchCitizenRequest, MatchOptions, SearchCompaniesRequest,
};
use jobmatch_tests::*;
use tonic::Code;
use tonic_health::pb::HealthCheckRequest;
use tonic_health::pb::health_check_response::ServingStatus;
use tonic_health::pb::health_client::HealthClient;
use tonic_reflection::pb::v1::ServerReflectionRequest;
use tonic_reflection::pb::v1::server_reflection_client::ServerReflectionClient;
use tonic_reflection::pb::v1::server_reflection_request::MessageRequest;
use tonic_reflection::pb::v1::server_reflection_response::MessageResponse;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_reports_serving() {
    let server = TestServer::start(false).await;
    let mut h = HealthClient::new(server.channel.clone());
    for service in [
        "",
        "jobmatch.v1.CompanyService",
        "jobmatch.v1.SearchService",
        "jobmatch.v1.MatchService",
        "jobmatch.v1.TaxonomyService",
    ] {
        let resp = h
            .check(HealthCheckRequest {
                service: service.into(),
            })
            .await
            .unwrap_or_else(|e| panic!("health of {service:?}: {e:?}"))
            .into_inner();
        assert_eq!(resp.status, ServingStatus::Serving as i32, "{service:?}");
    }
    let err = h
        .check(HealthCheckRequest {
            service: "no.such.Service".into(),
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::NotFound);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reflection_lists_the_services() {
    let server = TestServer::start(false).await;
    let mut r = ServerReflectionClient::new(server.channel.clone());
    let req = ServerReflectionRequest {
        host: String::new(),
        message_request: Some(MessageRequest::ListServices(String::new())),
    };
    let mut stream = r
        .server_reflection_info(tokio_stream::iter(vec![req]))
        .await
        .unwrap()
        .into_inner();
    let msg = stream
        .message()
        .await
        .unwrap()
        .expect("a reflection response");
    let Some(MessageResponse::ListServicesResponse(list)) = msg.message_response else {
        panic!("unexpected reflection response: {msg:?}");
    };
    let names: Vec<String> = list.service.into_iter().map(|s| s.name).collect();
    for want in [
        "jobmatch.v1.CompanyService",
        "jobmatch.v1.SearchService",
        "jobmatch.v1.MatchService",
        "jobmatch.v1.TaxonomyService",
        "grpc.health.v1.Health",
    ] {
        assert!(
            names.iter().any(|n| n == want),
            "{want} missing from {names:?}"
        );
    }
    // The descriptor of a service resolves too.
    let req = ServerReflectionRequest {
        host: String::new(),
        message_request: Some(MessageRequest::FileContainingSymbol(
            "jobmatch.v1.SearchService".into(),
        )),
    };
    let mut stream = r
        .server_reflection_info(tokio_stream::iter(vec![req]))
        .await
        .unwrap()
        .into_inner();
    let msg = stream
        .message()
        .await
        .unwrap()
        .expect("a reflection response");
    assert!(
        matches!(msg.message_response, Some(MessageResponse::FileDescriptorResponse(ref f)) if !f.file_descriptor_proto.is_empty()),
        "{msg:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reflection_v1alpha_for_older_clients() {
    use tonic_reflection::pb::v1alpha::ServerReflectionRequest as AlphaReq;
    use tonic_reflection::pb::v1alpha::server_reflection_client::ServerReflectionClient as AlphaClient;
    use tonic_reflection::pb::v1alpha::server_reflection_request::MessageRequest as AlphaRequest;
    use tonic_reflection::pb::v1alpha::server_reflection_response::MessageResponse as AlphaResponse;
    let server = TestServer::start(false).await;
    let mut r = AlphaClient::new(server.channel.clone());
    let req = AlphaReq {
        host: String::new(),
        message_request: Some(AlphaRequest::ListServices(String::new())),
    };
    let mut stream = r
        .server_reflection_info(tokio_stream::iter(vec![req]))
        .await
        .expect("grpc.reflection.v1alpha is served")
        .into_inner();
    let msg = stream
        .message()
        .await
        .expect("v1alpha answers")
        .expect("a reflection response");
    let Some(AlphaResponse::ListServicesResponse(list)) = msg.message_response else {
        panic!("unexpected reflection response: {msg:?}");
    };
    assert!(
        list.service
            .iter()
            .any(|s| s.name == "jobmatch.v1.SearchService")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tiny_deadline_fails_fast_instead_of_hanging() {
    let server = TestServer::start(true).await;
    // A bulk stream that never ends: without the deadline the call would wait forever. (A stalled stream is
    // the deterministic way to outlast a deadline; a quick unary call may legitimately beat 1 ms.)
    let stalled = || {
        let first = bulk_company(company(&cvr(4242), "Deadline ApS", "521000", "8000"));
        tokio_stream::StreamExt::chain(tokio_stream::iter(vec![first]), tokio_stream::pending())
    };
    for timeout in [Duration::from_nanos(1), Duration::from_millis(50)] {
        let mut req = tonic::Request::new(stalled());
        req.set_timeout(timeout);
        let started = std::time::Instant::now();
        let res =
            tokio::time::timeout(Duration::from_secs(10), server.companies().bulk_upsert(req))
                .await
                .unwrap_or_else(|_| panic!("a request with a {timeout:?} deadline hung"));
        let err = res.expect_err("a stalled stream cannot finish before the deadline");
        assert!(
            matches!(err.code(), Code::DeadlineExceeded | Code::Cancelled),
            "got {err:?}"
        );
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "took {:?}",
            started.elapsed()
        );
    }

    // The server is fine afterwards, and a generous deadline works.
    let mut req = tonic::Request::new(MatchCitizenRequest {
        citizen: Some(citizen("DL-1", "8000", "lagermand")),
        options: Some(MatchOptions {
            k: 100,
            explain: true,
            ..Default::default()
        }),
    });
    req.set_timeout(Duration::from_secs(10));
    let resp = server
        .matcher()
        .match_citizen(req)
        .await
        .unwrap()
        .into_inner();
    assert!(!resp.candidates.is_empty());
    let mut req = tonic::Request::new(SearchCompaniesRequest {
        query: "lager".into(),
        ..Default::default()
    });
    req.set_timeout(Duration::from_secs(10));
    let resp = server
        .search()
        .search_companies(req)
        .await
        .unwrap()
        .into_inner();
    assert!(resp.total_hits > 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn graceful_shutdown_keeps_upserts() {
    let server = TestServer::start(false).await;
    let key = cvr(777);
    server
        .companies()
        .upsert_company(company(&key, "Genstart ApS", "521000", "8000"))
        .await
        .unwrap();
    let dir = server.stop().await;
    let server = TestServer::start_in(dir, false).await;
    let got = server
        .companies()
        .get_company(GetCompanyRequest { cvr: key.clone() })
        .await
        .expect("company upserted before the restart")
        .into_inner();
    assert_eq!(got.name, "Genstart ApS");
    let resp = server
        .search()
        .search_companies(SearchCompaniesRequest {
            query: "genstart".into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(resp.total_hits, 1, "searchable after restart");
}
