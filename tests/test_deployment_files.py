"""docker-compose.yml, the Dockerfiles and .env.example, checked statically (no Docker engine here)."""

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
ENV_READ = re.compile(r"""(?:environ\.get|env_list|env_bool|environ\[)\(?\s*["']([A-Z][A-Z0-9_]*)["']""")


def settings_variables(*modules):
    names = set()
    for module in modules:
        names |= set(ENV_READ.findall((ROOT / "site" / "settings" / module).read_text()))
    return names


def compose():
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_compose_has_the_designed_services_with_health_checks_and_volumes():
    services = compose()["services"]
    assert {"db", "search", "minio", "minio-bucket", "web", "worker", "proxy"} <= set(services)
    for name in ("db", "search", "minio", "web", "worker", "proxy"):
        assert "healthcheck" in services[name], name
    assert services["db"]["image"].startswith("postgres:16")
    assert set(compose()["volumes"]) >= {"db-data", "search-data", "minio-data"}
    assert services["web"]["image"] == services["worker"]["image"] == services["migrate"]["image"]


def test_every_variable_production_reads_is_set_for_web_and_worker():
    read = settings_variables("base.py", "production.py")
    assert {"DATABASE_URL", "SECRET_KEY", "ELASTICSEARCH_URL", "AWS_STORAGE_BUCKET_NAME"} <= read
    for name in ("web", "worker", "migrate"):
        environment = compose()["services"][name]["environment"]
        missing = read - set(environment)
        assert not missing, f"{name} lacks {sorted(missing)}"
        assert environment["DJANGO_SETTINGS_MODULE"] == "dianke.settings.production"


def test_env_example_documents_every_variable_the_settings_read():
    documented = set(re.findall(r"^([A-Z][A-Z0-9_]*)=", (ROOT / ".env.example").read_text(), re.M))
    missing = settings_variables("base.py", "production.py", "dev.py") - documented
    assert not missing, f".env.example lacks {sorted(missing)}"


def test_readme_table_lists_every_variable_the_settings_read():
    readme = (ROOT / "README.md").read_text()
    missing = {name for name in settings_variables("base.py", "production.py", "dev.py")
               if f"`{name}`" not in readme}
    assert not missing, f"README's variable table lacks {sorted(missing)}"


def test_search_image_adds_smartcn_to_elasticsearch_8_19():
    dockerfile = (ROOT / "docker" / "elasticsearch" / "Dockerfile").read_text().splitlines()
    assert dockerfile[0].startswith("FROM docker.elastic.co/elasticsearch/elasticsearch:8.19")
    assert "analysis-smartcn" in dockerfile[1]
    assert compose()["services"]["search"]["build"] == "./docker/elasticsearch"


def test_dockerfile_installs_the_system_packages_make_install_does():
    makefile = (ROOT / "Makefile").read_text()
    wanted = set(re.search(r"^SYSTEM_PACKAGES := (.+)$", makefile, re.M).group(1).split())
    dockerfile = (ROOT / "Dockerfile").read_text()
    installed = set(re.search(r"apt-get install -y --no-install-recommends ([^\\&\n]+)", dockerfile).group(1).split())
    assert wanted - {"chromium"} <= installed  # chromium only serves the browser tests
    assert "pip install --no-cache-dir -e ." in dockerfile


def test_container_commands_match_the_operations_doc():
    readme = (ROOT / "docs" / "operations.md").read_text()
    services = compose()["services"]
    assert " ".join(services["worker"]["command"][1:]) .startswith("manage.py db_worker")
    assert "manage.py db_worker --queue-name '*'" in readme
    assert services["web"]["command"][:2] == ["gunicorn", "dianke.wsgi:application"]
    assert "gunicorn dianke.wsgi:application" in readme
    assert "docker compose up --build" in readme


def test_the_proxy_fronts_web_and_refuses_oversized_bodies_first():
    services = compose()["services"]
    assert "ports" not in services["web"], "web is reached through the proxy only"
    assert services["proxy"]["ports"] == ["8000:80"]
    mount = next(v for v in services["proxy"]["volumes"] if v.endswith("/etc/nginx/conf.d/default.conf:ro"))
    conf = (ROOT / mount.split(":")[0]).read_text()
    assert "server web:8000;" in conf
    limits = dict(re.findall(r"location (\S+) \{\s*client_max_body_size (\S+);", conf))
    assert limits["/api/"] == "64k"
    assert re.search(r"^\s*client_max_body_size 20m;", conf, re.M)  # the server-wide default
    admin = conf[conf.index("location /admin/"):]
    assert "proxy_request_buffering off;" in admin.split("}")[0]
    assert services["web"]["environment"]["AXES_PROXY_COUNT"] == "1"
