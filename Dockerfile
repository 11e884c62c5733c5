# zapi-mock as a container: HTTPS on 0.0.0.0:8443, configured through ZAPI_MOCK_* variables only.
#
#   docker build -t zapi-mock .
#   docker run --rm -p 8443:8443 zapi-mock
#
# Two stages on Debian bookworm: the build stage compiles the server with CMake (no tests run);
# the runtime stage holds the runtime libraries, curl for the health check, the binary, the
# default fixtures and the entrypoint. The server runs as an unprivileged user and is PID 1
# (the entrypoint execs it), so `docker stop` sends SIGTERM straight to it: it finishes the
# answers in flight and exits 0 within about a second.

ARG DEBIAN_IMAGE=debian:bookworm-slim

# ---------------------------------------------------------------------------------------------
FROM ${DEBIAN_IMAGE} AS build

# check and python3 are only here because CMake's configure step looks for them (the test
# targets); nothing is run.
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      build-essential cmake pkg-config \
      libevent-dev libmbedtls-dev libxml2-dev libhttp-parser-dev libjansson-dev \
      libzint-dev zlib1g-dev \
      check python3-minimal \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /src
COPY CMakeLists.txt ./
COPY cmake/ cmake/
COPY server/ server/
COPY tests/ tests/

# -Werror is for development builds (scripts/test); an image must not fail on a new warning.
ARG BUILD_TYPE=RelWithDebInfo
RUN cmake -S . -B /build -DCMAKE_BUILD_TYPE=${BUILD_TYPE} -DZAPI_WERROR=OFF \
 && cmake --build /build --target zapi-mock -j"$(nproc)" \
 && install -D -m 0755 -s /build/server/zapi-mock /out/usr/local/bin/zapi-mock \
 && /out/usr/local/bin/zapi-mock --version

# ---------------------------------------------------------------------------------------------
FROM ${DEBIAN_IMAGE} AS runtime

# Runtime libraries of the server (Debian bookworm names) and curl for HEALTHCHECK.
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      libevent-core-2.1-7 libevent-extra-2.1-7 \
      libmbedtls14 libmbedx509-1 libmbedcrypto7 \
      libxml2 libhttp-parser2.9 libjansson4 libzint2.11 zlib1g \
      curl \
 && apt-get clean \
 && rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin /var/cache/debconf/*-old /var/log/apt /var/log/dpkg.log

# A fixed, unprivileged uid with group 0: `--user <any uid>:0` works too, since everything the
# server writes is group-writable.
RUN useradd --system --uid 10001 --gid 0 --home-dir /var/lib/zapi-mock --no-create-home \
      --shell /usr/sbin/nologin zapi \
 && install -d -o 10001 -g 0 -m 2775 /var/lib/zapi-mock /var/lib/zapi-mock/certs \
      /var/lib/zapi-mock/export /var/lib/zapi-mock/state

COPY --from=build /out/usr/local/bin/zapi-mock /usr/local/bin/zapi-mock
COPY fixtures/ /opt/zapi-mock/fixtures/
COPY scripts/docker-entrypoint /usr/local/bin/docker-entrypoint

# Fail the build here, not at the first start, if a library the binary needs is missing.
RUN chmod 0755 /usr/local/bin/docker-entrypoint \
 && chmod -R a+rX /opt/zapi-mock \
 && if ldd /usr/local/bin/zapi-mock | grep 'not found'; then \
      echo "zapi-mock: runtime libraries missing from the image (see above)" >&2; exit 1; fi \
 && zapi-mock --version

# Everything is an environment variable (zapi-mock --help lists them, ZAPI_MOCK_<FLAG>);
# docker run -e overrides any of these.
#   ZAPI_MOCK_FIXTURES       mount your own set, e.g. -v "$PWD/fixtures:/fixtures:ro" -e ZAPI_MOCK_FIXTURES=/fixtures
#   ZAPI_MOCK_CERTS_DIR      generated CA and server certificate; mount a directory to keep or reuse them
#   ZAPI_MOCK_EXPORT_CA_DIR  the entrypoint copies ca.pem there (a mounted directory a test job
#                            reads); /var/lib/zapi-mock/export is made for it: a new named volume
#                            mounted there belongs to the server's user
#   ZAPI_MOCK_ADMIN_TOKEN    opens /__admin/ (and the console at /__admin/) to clients outside
#                            the container (Authorization: Bearer ..., or a browser's password)
#   ZAPI_MOCK_STATE_DIR      partners created at run time; mount a volume to keep them
ENV ZAPI_MOCK_LISTEN=0.0.0.0:8443 \
    ZAPI_MOCK_FIXTURES=/opt/zapi-mock/fixtures \
    ZAPI_MOCK_CERTS_DIR=/var/lib/zapi-mock/certs \
    ZAPI_MOCK_STATE_DIR=/var/lib/zapi-mock/state

USER 10001:0
WORKDIR /var/lib/zapi-mock
EXPOSE 8443

# Loopback inside the container, verified against the generated CA: answers without an admin
# token; with ZAPI_MOCK_ADMIN_TOKEN set the check sends it.
HEALTHCHECK --interval=5s --timeout=3s --start-period=30s --retries=3 \
  CMD ["/usr/local/bin/docker-entrypoint", "healthcheck"]

STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/local/bin/docker-entrypoint"]
