# The telemetry ETL as a container: the default command turns the day files
# mounted at /app/data into the outputs in /app/output.
#
#   docker build -t data-engineer-challenge .
#   docker run -v $(pwd)/data:/app/data -v $(pwd)/output:/app/output data-engineer-challenge
#   docker run -v $(pwd)/output:/app/output data-engineer-challenge plot --output /app/output
#
# The pipeline never runs as root: docker/entrypoint.sh runs it as the owner
# of /app/output (so the files on the host belong to the host user), or as
# the image's own user `etl`. See docs/telemetry-tools.md.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    VIRTUAL_ENV=/opt/venv \
    PATH=/opt/venv/bin:$PATH \
    HOME=/tmp

# Dependencies first, in their own layer: code changes do not reinstall them.
COPY requirements.txt /app/requirements.txt
RUN python -m venv /opt/venv \
    && pip install -r /app/requirements.txt \
    && find /opt/venv -name '__pycache__' -type d -prune -exec rm -rf {} +

RUN groupadd --system --gid 10001 etl \
    && useradd --system --uid 10001 --gid etl --no-create-home --home-dir /tmp etl \
    && mkdir -p /app/data /app/output \
    && chown etl:etl /app/output

WORKDIR /app
COPY etl_process.py /app/
COPY etl /app/etl
COPY sql /app/sql
COPY --chmod=755 docker/entrypoint.sh /usr/local/bin/etl-entrypoint

ENTRYPOINT ["etl-entrypoint"]
CMD ["--input", "/app/data", "--output", "/app/output"]
