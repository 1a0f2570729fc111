# Bridgework's image: every binary on Debian 12 (docs/deploy.md "Image").
#
#   docker build -t bridgework:dev .
#
# The build stage installs what building needs with the repository's own
# tools/scripts/install-deps.sh (--build-only: no test packages) and builds
# the executables without the tests. The runtime stage is bookworm-slim
# with only the Debian packages that hold the shared libraries the binaries
# load (tools/scripts/runtime-packages.sh), CA certificates (the CRMs'
# HTTPS), time zones (source time zones) and a non-root user, uid 65532,
# which the manifests' securityContext runs as.

FROM debian:bookworm AS build
WORKDIR /src
COPY tools/scripts/install-deps.sh tools/scripts/install-deps.sh
RUN tools/scripts/install-deps.sh --build-only \
    && rm -rf /var/lib/apt/lists/*
COPY . .
RUN cmake --preset optimized -DBRIDGEWORK_BUILD_TESTS=OFF -DBRIDGEWORK_BUILD_BENCHMARKS=OFF \
    && cmake --build build-opt -j"$(nproc)" --target \
        bridgework bridgework-extractor bridgework-transformer \
        bridgework-loader bridgework-auditor bridgework-sandbox \
        bridgework-gen-sample \
    && mkdir -p /out/bin \
    && cp build-opt/bin/bridgework build-opt/bin/bridgework-* /out/bin/ \
    && strip --strip-unneeded /out/bin/* \
    && tools/scripts/runtime-packages.sh /out/bin/* >/out/runtime-packages.txt

FROM debian:bookworm-slim AS runtime
COPY --from=build /out/runtime-packages.txt /tmp/runtime-packages.txt
RUN apt-get update \
    && xargs -a /tmp/runtime-packages.txt apt-get install -y -q \
        --no-install-recommends ca-certificates tzdata \
    && rm -rf /var/lib/apt/lists/* /tmp/runtime-packages.txt \
    && groupadd --system --gid 65532 bridgework \
    && useradd --system --uid 65532 --gid 65532 --no-create-home \
        --home-dir /nonexistent --shell /usr/sbin/nologin bridgework
COPY --from=build /out/bin/ /usr/local/bin/
# The shipped maps and configs (`bridgework propose` reads them as evidence,
# `bridgework demo` migrates with one).
COPY examples/ /usr/share/bridgework/examples/
ENV BRIDGEWORK_EXAMPLES_DIR=/usr/share/bridgework/examples
USER 65532:65532
WORKDIR /tmp
CMD ["/usr/local/bin/bridgework", "--help"]
