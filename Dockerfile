# syntax=docker/dockerfile:1
#
# jobmatch container image: a release build of the `jobmatch` binary on a distroless runtime.
#
#   docker build -t jobmatch:dev .
#   docker run --rm -p 50051:50051 -p 9464:9464 --read-only -v jobmatch-data:/var/lib/jobmatch jobmatch:dev
#
# The binary embeds all of its run-time data (taxonomy, DB07, postcodes, municipalities, demo-data word lists
# and the gRPC descriptor are compiled in with include_str!/include_bytes!), so the runtime image holds only
# the binary, a default configuration file and an empty data directory. The root filesystem can be mounted
# read-only: the only path the server writes is data_dir (/var/lib/jobmatch, a volume).

ARG RUST_IMAGE=rust:1-bookworm
ARG RUNTIME_IMAGE=gcr.io/distroless/cc-debian12:nonroot

FROM ${RUST_IMAGE} AS builder
WORKDIR /src
# The whole workspace: cargo reads every member's manifest even when building one package. .dockerignore keeps
# target/, .git, the venv, the chart and the test corpora out of the context.
COPY . .
# Cache mounts keep the registry and target/ between builds; the binary is copied out of the cache mount.
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/usr/local/cargo/git \
    --mount=type=cache,target=/src/target \
    cargo build --release --locked -p jobmatch-server \
    && install -D -m 0755 target/release/jobmatch /out/usr/local/bin/jobmatch \
    && install -d -m 0750 /out/var/lib/jobmatch \
    && install -D -m 0644 docker/config.toml /out/etc/jobmatch/config.toml

FROM ${RUNTIME_IMAGE}
ARG VERSION=0.1.0
LABEL org.opencontainers.image.title="jobmatch" \
      org.opencontainers.image.description="gRPC job-matching service for Danish jobcenters" \
      org.opencontainers.image.licenses="MIT" \
      org.opencontainers.image.version="${VERSION}"
# distroless :nonroot runs as uid/gid 65532 ("nonroot"); the data directory belongs to it.
COPY --from=builder /out/usr/local/bin/jobmatch /usr/local/bin/jobmatch
COPY --from=builder /out/etc/jobmatch/config.toml /etc/jobmatch/config.toml
COPY --from=builder --chown=65532:65532 /out/var/lib/jobmatch /var/lib/jobmatch
ENV JOBMATCH_CONFIG=/etc/jobmatch/config.toml
USER 65532:65532
VOLUME ["/var/lib/jobmatch"]
# 50051: gRPC (jobmatch services, grpc.health.v1, reflection); 9464: admin HTTP (/metrics, /livez, /readyz).
EXPOSE 50051 9464
ENTRYPOINT ["/usr/local/bin/jobmatch"]
CMD ["serve"]
