# One image for the web and worker containers (see docker-compose.yml).
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    DJANGO_SETTINGS_MODULE=dianke.settings.production

# The same system packages as `make install` (scripts/install_system_packages.sh), less chromium,
# which only the tests use.
RUN apt-get update \
 && apt-get install -y --no-install-recommends ffmpeg fonts-noto-cjk dvdauthor genisoimage xorriso espeak-ng lsdvd libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 tesseract-ocr tesseract-ocr-chi-sim nodejs npm \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY . .
# Editable install, as everywhere: the project folder `site/` is imported as `dianke` (see README).
RUN python -m venv /app/.venv \
 && /app/.venv/bin/pip install --no-cache-dir -e . \
 && scripts/vendor_static.sh \
 && SECRET_KEY=collectstatic-only-not-a-secret-0000000000000000000000000000 \
    DATABASE_URL=sqlite:////tmp/collectstatic.sqlite3 \
    /app/.venv/bin/python manage.py collectstatic --no-input \
 && rm -rf node_modules /tmp/collectstatic.sqlite3

ENV PATH="/app/.venv/bin:$PATH"
EXPOSE 8000
CMD ["gunicorn", "dianke.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--timeout", "60"]
