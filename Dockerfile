# Paragraf: one image for web (gunicorn), worker and beat (Celery).
FROM python:3.11-slim-bookworm

# Set to 1 to include LibreOffice (soffice, for .docx -> PDF); adds several hundred MB.
ARG WITH_LIBREOFFICE=0

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PYTHONPATH=/app \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1

# WeasyPrint's libraries and fonts; poppler-utils/qpdf for PDF checks; gettext for i18n.
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu \
        poppler-utils qpdf gettext \
    && if [ "$WITH_LIBREOFFICE" = "1" ]; then \
        apt-get install -y --no-install-recommends libreoffice-writer-nogui; \
    fi \
    && rm -rf /var/lib/apt/lists/*

RUN useradd --create-home --uid 10001 paragraf \
    && mkdir -p /data/media /data/local /data/signing \
    && chown -R paragraf:paragraf /data

WORKDIR /app

# Dependencies first, so code changes do not reinstall them: the production lock, every
# package pinned with its hashes (requirements/prod.lock, `make lock`; no dev tools).
COPY requirements/prod.lock requirements/prod.lock
RUN pip install --require-hashes -r requirements/prod.lock

COPY . .
RUN DJANGO_STATIC_ROOT=/app/staticfiles PARAGRAF_LOCAL_DIR=/tmp/build-local \
        python manage.py collectstatic --noinput \
    && rm -rf /tmp/build-local

ENV DJANGO_STATIC_ROOT=/app/staticfiles \
    DJANGO_MEDIA_ROOT=/data/media \
    PARAGRAF_LOCAL_DIR=/data/local

USER paragraf
EXPOSE 8000
CMD ["gunicorn", "config.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--worker-class", "gthread", "--threads", "8", "--keep-alive", "5", "--access-logfile", "-"]
