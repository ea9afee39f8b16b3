# Builds Digikoord and runs it against the database given by DATABASE_URL. The static
# files are inside the binary; PostgreSQL's client tools are for `digikoord backup` and
# `digikoord restore`.
FROM rust:1.95-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --release --locked

FROM debian:bookworm-slim
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates postgresql-client \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --home /app digikoord
WORKDIR /app
COPY --from=build /src/target/release/digikoord /app/digikoord
USER digikoord
ENV LISTEN_ADDR=0.0.0.0:3000
EXPOSE 3000
HEALTHCHECK --interval=10s --timeout=5s --retries=3 CMD ["/app/digikoord", "healthcheck"]
CMD ["/app/digikoord", "serve"]
