# The Plenary service, for docker-compose.yml (PostgreSQL runs in its own container there).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PLENARY_HOST=0.0.0.0 \
    PLENARY_PORT=8000 \
    PLENARY_DATA_DIR=/var/lib/plenary

# WeasyPrint (the motions book and the record as PDF) needs Pango and its fonts.
RUN apt-get update \
    && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*

RUN useradd --system --create-home --home-dir /var/lib/plenary plenary

WORKDIR /app
# The exact versions and hashes first (requirements.lock, `make lock`): a rebuild installs the
# same files, and a file that is not the one locked stops the build.
COPY requirements.lock ./
RUN pip install --no-cache-dir --require-hashes -r requirements.lock
COPY pyproject.toml README.md ./
COPY tally ./tally
COPY audit ./audit
COPY roll ./roll
COPY assembly ./assembly
COPY voting ./voting
COPY schemas ./schemas
COPY service ./service
RUN pip install --no-cache-dir --no-deps .

USER plenary
EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
    CMD python -c "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/health', timeout=2).status == 200 else 1)"
CMD ["plenary", "serve"]
