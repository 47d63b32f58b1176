# One image for the three Python processes: `callcenter edge`, `callcenter worker`, `callcenter store`.
#
#   docker build -t tireshop-callcenter .
#   docker run --rm tireshop-callcenter --help
#
# No apt packages: espeak-ng (offline TTS) comes inside the espeakng-loader wheel, soxr and
# webrtcvad as wheels; PostgreSQL and Temporal are separate services (docker-compose.yml).
FROM python:3.12-slim

ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    UV_COMPILE_BYTECODE=1 \
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
RUN uv sync --frozen --no-dev --no-install-project
COPY . .
RUN uv sync --frozen --no-dev

RUN useradd --system --uid 10001 --home-dir /app callcenter \
    && mkdir -p /app/.data && chown callcenter /app/.data
USER callcenter

ENV PATH="/app/.venv/bin:${PATH}"
# edge: AudioSocket 9092 + HTTP 8080; store: 8081; worker: health/metrics 8091
EXPOSE 8080 8081 8091 9092
ENTRYPOINT ["callcenter"]
CMD ["--help"]
