# syntax=docker/dockerfile:1
#
# One image for the whole SDG Centre suite. The default command runs the
# gateway; the Kubernetes manifests (deploy/k8s) override the command to run
# projects, funding or evaluation, and to run migrations in an init container.
#
#   docker build -t sdg-centre:<version> .
#
ARG PYTHON_IMAGE=python:3.11-slim

# --------------------------------------------------------------------------
# build: install the package and its runtime dependencies into a venv
# --------------------------------------------------------------------------
FROM ${PYTHON_IMAGE} AS build

ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1

RUN python -m venv /opt/venv
ENV PATH="/opt/venv/bin:${PATH}"

WORKDIR /src
COPY . .

# A plain (non-editable) install without extras: no dev/test dependencies.
# Byte-code is compiled here because the runtime root filesystem is read-only.
# The last two commands run from / so that they see the installed package, not
# /src: every app imports, and every app's migration scripts were packaged.
RUN pip install . \
 && python -m compileall -q /opt/venv/lib \
 && cd / \
 && python -c "import gateway.main, services.projects.main, services.funding.main, services.evaluation.main" \
 && python -m shared.migrations history all --url sqlite://

# --------------------------------------------------------------------------
# runtime: the venv only, no sources, no build tools, non-root
# --------------------------------------------------------------------------
FROM ${PYTHON_IMAGE} AS runtime

LABEL org.opencontainers.image.title="sdg-centre" \
      org.opencontainers.image.description="SDG Centre suite: gateway, projects, funding and evaluation services"

ENV PATH="/opt/venv/bin:${PATH}" \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    HOME=/tmp

# Numeric UID/GID so Kubernetes can verify runAsNonRoot without reading /etc/passwd.
RUN groupadd --system --gid 10001 sdgc \
 && useradd --system --uid 10001 --gid 10001 --no-create-home \
            --home-dir /nonexistent --shell /usr/sbin/nologin sdgc \
 && mkdir -p /app/var \
 && chown -R 10001:10001 /app

COPY --from=build /opt/venv /opt/venv

# /app is writable only so that `docker run` without a database URL can use the
# development SQLite default under ./var; in Kubernetes the root filesystem is
# read-only and every app uses PostgreSQL.
WORKDIR /app
USER 10001:10001

EXPOSE 8000 8001 8002 8003

CMD ["uvicorn", "--factory", "gateway.main:create_app", "--host", "0.0.0.0", "--port", "8000"]
