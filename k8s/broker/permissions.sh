#!/usr/bin/env sh
# Least-privilege RabbitMQ users for Gatehouse. Run it once per broker (and again after a
# change here) with rabbitmqctl pointed at that broker; it is idempotent. The user names are
# the ones in k8s/secrets/gatehouse-secrets.template.yaml, on the vhost of those AMQP URLs.
#
#   AUTH_AMQP_PASSWORD=… USER_AMQP_PASSWORD=… NOTIFICATION_AMQP_PASSWORD=… GATEWAY_AMQP_PASSWORD=… \
#     k8s/broker/permissions.sh
#
# A password is needed only to create a user (or to change it); DRY_RUN=1 prints the commands.
# Why each grant exists is in README.md, "Broker permissions". In short: every process declares
# the events exchange and its own queues (configure), only auth and user may publish to the
# exchange (write), and topic permissions pin the routing keys each may publish or bind.
set -eu

RABBITMQCTL="${RABBITMQCTL:-rabbitmqctl}"
VHOST="${VHOST:-/}"
# EVENTS_EXCHANGE and the queues below follow each service's EVENTS_EXCHANGE and
# EVENTS_QUEUE_PREFIX (defaults: the service name); change them together.
EVENTS_EXCHANGE="${EVENTS_EXCHANGE:-gatehouse.events}"
USER_PREFIX="${BROKER_USER_PREFIX:-gatehouse-}"
AUTH_QUEUE="${AUTH_QUEUE:-auth.user-deleted}"
USER_QUEUE="${USER_QUEUE:-user.profile-events}"
NOTIFICATION_QUEUE="${NOTIFICATION_QUEUE:-notification.user-registered}"

run() {
  if [ "${DRY_RUN:-}" = 1 ]; then
    printf '%s' "$1"
    shift
    printf " '%s'" "$@"
    printf '\n'
  else
    "$@"
  fi
}

# Names become regular expressions: their dots must match only dots.
escape() {
  printf '%s' "$1" | sed 's/[].[^$*+?(){}|\\]/\\&/g'
}

exchange="$(escape "$EVENTS_EXCHANGE")"

# A consumer queue with its delay queues (<queue>.retry.<n>) and dead-letter queue, as
# libs/events/src/topology.ts names them.
queue_family() {
  printf '%s(\\.retry\\.[0-9]+|\\.dead-letter)?' "$(escape "$1")"
}

# The queue itself and its delay queues: declaring a delay queue (it dead-letters back through
# the default exchange) needs read on it.
queue_and_retries() {
  printf '%s(\\.retry\\.[0-9]+)?' "$(escape "$1")"
}

ensure_user() {
  name="$1"
  password="$2"
  if [ "${DRY_RUN:-}" = 1 ]; then
    run "$RABBITMQCTL" add_user "$name" "\$$3"
  elif "$RABBITMQCTL" --silent list_users | cut -f1 | grep -Fxq "$name"; then
    if [ -n "$password" ]; then run "$RABBITMQCTL" change_password "$name" "$password"; fi
  elif [ -n "$password" ]; then
    run "$RABBITMQCTL" add_user "$name" "$password"
  else
    echo "$name does not exist: set $3 to create it" >&2
    exit 1
  fi
}

# grant <user> <configure> <write> <read> <topic write> <topic read>
grant() {
  run "$RABBITMQCTL" set_permissions -p "$VHOST" "$1" "$2" "$3" "$4"
  run "$RABBITMQCTL" set_topic_permissions -p "$VHOST" "$1" "$EVENTS_EXCHANGE" "$5" "$6"
}

ensure_user "${USER_PREFIX}auth" "${AUTH_AMQP_PASSWORD:-}" AUTH_AMQP_PASSWORD
ensure_user "${USER_PREFIX}user" "${USER_AMQP_PASSWORD:-}" USER_AMQP_PASSWORD
ensure_user "${USER_PREFIX}notification" "${NOTIFICATION_AMQP_PASSWORD:-}" NOTIFICATION_AMQP_PASSWORD
ensure_user "${USER_PREFIX}gateway" "${GATEWAY_AMQP_PASSWORD:-}" GATEWAY_AMQP_PASSWORD

# auth publishes user.registered, user.email_verified and session.revoked (outbox relay) and
# consumes user.deleted and user.deletion_recorded (who deleted, for the audit log) from one
# queue; retries and dead letters go through the default exchange.
grant "${USER_PREFIX}auth" \
  "^($exchange|$(queue_family "$AUTH_QUEUE"))\$" \
  "^($exchange|amq\\.default|$(escape "$AUTH_QUEUE"))\$" \
  "^($exchange|$(queue_and_retries "$AUTH_QUEUE"))\$" \
  '^(user\.registered|user\.email_verified|session\.revoked)$' \
  '^(user\.deleted|user\.deletion_recorded)$'

# user publishes user.deleted and user.deletion_recorded and consumes user.registered and
# user.email_verified.
grant "${USER_PREFIX}user" \
  "^($exchange|$(queue_family "$USER_QUEUE"))\$" \
  "^($exchange|amq\\.default|$(escape "$USER_QUEUE"))\$" \
  "^($exchange|$(queue_and_retries "$USER_QUEUE"))\$" \
  '^(user\.deleted|user\.deletion_recorded)$' \
  '^(user\.registered|user\.email_verified)$'

# notification publishes nothing to the exchange (no write on it) and consumes user.registered.
grant "${USER_PREFIX}notification" \
  "^($exchange|$(queue_family "$NOTIFICATION_QUEUE"))\$" \
  "^(amq\\.default|$(escape "$NOTIFICATION_QUEUE"))\$" \
  "^($exchange|$(queue_and_retries "$NOTIFICATION_QUEUE"))\$" \
  '^$' \
  '^user\.registered$'

# gateway publishes nothing and binds its exclusive, server-named queue (amq.gen-…) to the
# revocations: user.deleted and session.revoked.
grant "${USER_PREFIX}gateway" \
  "^($exchange|amq\\.gen-.*)\$" \
  '^amq\.gen-.*$' \
  "^($exchange|amq\\.gen-.*)\$" \
  '^$' \
  '^(user\.deleted|session\.revoked)$'
