# syntax=docker/dockerfile:1
#
# The production image of casework. One image, three roles chosen by the command:
#   casework api          the HTTP API
#   casework worker       a Temporal worker
#   casework db upgrade   the schema migrations (run once before the others start)
# docker-compose.yml runs all three; `casework dev` (Temporal's dev server) is not for here.

# Python 3.11: the version requirements.lock was resolved for (`make lock`).
ARG PYTHON_IMAGE=python:3.11-slim

# ---- build: a virtualenv with the locked dependencies and the project ----------------
FROM ${PYTHON_IMAGE} AS build

ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_ROOT_USER_ACTION=ignore

RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
WORKDIR /src

# Dependencies first, so that a change to the source does not reinstall them. Every
# line of the lock carries its hashes, and --require-hashes makes pip refuse anything
# that is not pinned and hashed there.
COPY requirements.lock ./
RUN pip install --require-hashes -r requirements.lock

# The project itself: its dependencies are all in place already (--no-deps), and its
# build backend (hatchling) comes from the lock too, not from an unpinned download.
COPY . .
RUN pybabel compile --domain messages --directory api/console/locale \
    && pip install --no-deps --no-build-isolation . \
    && pip check

# ---- runtime ---------------------------------------------------------------------------
FROM ${PYTHON_IMAGE} AS runtime

# tzdata: the centre's local time zone (CENTRE_TIMEZONE) must resolve in the container.
# Not version-pinned on purpose: time-zone rules change, and the newest are the right ones.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install --yes --no-install-recommends tzdata \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --system --gid 10001 casework \
    && useradd --system --uid 10001 --gid casework --no-create-home \
        --home-dir /app --shell /usr/sbin/nologin casework

COPY --from=build /opt/venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1

# Nothing is written here: the API and worker keep their state in PostgreSQL and Temporal.
WORKDIR /app
USER 10001:10001

EXPOSE 8000
ENTRYPOINT ["casework"]
CMD ["--help"]
