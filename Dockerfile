# netpolc as a container image: a static (musl) release binary on an empty base, for Argo CD's
# config management plugins and Flux jobs (README, "With Argo CD or Flux").
#
#   docker build -t netpolc .
#   docker run --rm -v "$PWD:/work" -w /work netpolc compile --stdout
#
# .ci/action-test/test_release.py checks this file's shape offline (CI has no container daemon).

# --- build: Alpine's Rust targets musl natively, so the C parts (libgit2, mimalloc) are
# compiled against musl too and the binary links statically.
FROM rust:1-alpine AS build
RUN apk add --no-cache build-base binutils
WORKDIR /src
# Only what the binary is built from (.dockerignore keeps target/ and the rest out).
COPY Cargo.toml Cargo.lock ./
COPY compiler compiler
COPY grammar grammar
COPY stdlib stdlib
RUN target="$(uname -m)-unknown-linux-musl" \
    && cargo build --release --locked --target "$target" --bin netpolc \
    && cp "target/$target/release/netpolc" /netpolc \
    # Static: no program interpreter, so it runs on an image without a libc.
    && ! readelf -l /netpolc | grep -q INTERP \
    && /netpolc --version

# --- the image: nothing but the binary, run as an unprivileged user.
FROM scratch
COPY --from=build /netpolc /usr/local/bin/netpolc
ENV PATH=/usr/local/bin
# 65532, "nonroot" in distroless images; Argo CD's plugin sidecars override it with 999.
USER 65532:65532
WORKDIR /work
ENTRYPOINT ["netpolc"]
