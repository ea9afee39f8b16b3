# Builds Digikoord and runs it against the database given by DATABASE_URL.
FROM rust:1.95-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --release --locked

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates && rm -rf /var/lib/apt/lists/* \
    && useradd --system --home /app digikoord
WORKDIR /app
COPY --from=build /src/target/release/digikoord /app/digikoord
COPY --from=build /src/static /app/static
USER digikoord
ENV LISTEN_ADDR=0.0.0.0:3000
EXPOSE 3000
CMD ["/app/digikoord"]
