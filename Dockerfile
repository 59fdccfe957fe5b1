# syntax=docker/dockerfile:1.7
# One image for the API, the worker and the migrate step (they differ by command).

FROM node:22-bookworm-slim AS frontend
WORKDIR /src/frontend
COPY frontend/package.json frontend/package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY frontend/ ./
RUN npm run build

FROM python:3.11-slim-bookworm AS python-deps
ENV UV_COMPILE_BYTECODE=1 UV_LINK_MODE=copy UV_PYTHON_DOWNLOADS=never UV_FROZEN=1
# uv pinned for a reproducible image; it reads the uv.lock that development's uv writes (raise it
# when a newer uv changes the lock format).
RUN pip install --no-cache-dir uv==0.13.9
WORKDIR /app
COPY pyproject.toml uv.lock .python-version ./
COPY backend/pyproject.toml backend/pyproject.toml
COPY worker/pyproject.toml worker/pyproject.toml
COPY sim/pyproject.toml sim/pyproject.toml
COPY backend/src backend/src
COPY worker/src worker/src
# The worker package brings the API package and their dependencies only: not the simulator (a
# workspace member for tests and the demo, its pyproject is here for the lock) nor the dev group.
# The API package's wheel leaves out janitor.devtools (test and dev tooling; backend/pyproject.toml).
RUN uv sync --frozen --no-dev --no-editable --package janitor-worker

FROM python:3.11-slim-bookworm AS runtime
# A fixed numeric uid/gid: Kubernetes' runAsNonRoot can check it (deploy/k8s sets the same ids).
RUN groupadd --system --gid 10001 janitor && useradd --system --uid 10001 --gid janitor --home /app --shell /usr/sbin/nologin janitor
WORKDIR /app
COPY --from=python-deps /app/.venv /app/.venv
COPY alembic.ini ./
COPY alembic ./alembic
COPY --from=frontend /src/frontend/build ./frontend/build
ENV PATH="/app/.venv/bin:$PATH" \
    PYTHONUNBUFFERED=1 \
    JANITOR_SPA_DIR=/app/frontend/build \
    JANITOR_ALEMBIC_INI=/app/alembic.ini
USER 10001:10001
EXPOSE 8000
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
  CMD ["python", "-c", "import urllib.request,sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/api/healthz', timeout=2).status != 200)"]
# --no-proxy-headers: forwarding headers are read by the app, from JANITOR_TRUSTED_PROXIES only.
CMD ["uvicorn", "janitor.main:app", "--factory", "--host", "0.0.0.0", "--port", "8000", "--no-proxy-headers", "--no-access-log"]
