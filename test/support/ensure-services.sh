#!/usr/bin/env bash
# Makes sure the backing services the tests use are reachable on their standard
# ports. Where one is missing and we run as root, installs it from Debian's
# packages and starts it. Services already running are left alone.
set -u
up() { (echo > /dev/tcp/127.0.0.1/"$1") >/dev/null 2>&1; }
need_apt_update=1
install() {
  [ "$(id -u)" = 0 ] || { echo "ensure-services: $1 missing and not root; cannot install" >&2; return 1; }
  if [ $need_apt_update = 1 ]; then apt-get update -qq >/dev/null 2>&1; need_apt_update=0; fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null 2>&1
}
wait_port() { for _ in $(seq 1 60); do up "$1" && return 0; sleep 0.5; done; echo "ensure-services: port $1 did not open" >&2; return 1; }

if ! up 6379; then
  command -v redis-server >/dev/null || install redis-server
  mkdir -p /var/lib/redis /var/log/redis
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no --dir /var/lib/redis --logfile /var/log/redis/ci.log
  wait_port 6379
fi
command -v redis-server >/dev/null || install redis-server

if ! up 5432; then
  ls /etc/postgresql >/dev/null 2>&1 || install postgresql
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start || true
  wait_port 5432
  su postgres -c "psql -tc \"SELECT 1 FROM pg_database WHERE datname='test'\" | grep -q 1 || createdb test" || true
fi

if ! up 5672; then
  command -v rabbitmq-server >/dev/null || install rabbitmq-server
  rabbitmq-server -detached || true
  wait_port 5672
fi

if ! up 1883; then
  command -v mosquitto >/dev/null || install mosquitto
  mosquitto -d -c /etc/mosquitto/mosquitto.conf || mosquitto -d -p 1883
  wait_port 1883
fi

if ! up 4222; then
  command -v nats-server >/dev/null || install nats-server
  mkdir -p /var/lib/nats-server
  start-stop-daemon --start --oknodo --background --exec /usr/sbin/nats-server -- -a 127.0.0.1 -p 4222 -js -sd /var/lib/nats-server -l /var/log/nats-server.log
  wait_port 4222
fi
echo "ensure-services: redis, postgresql, rabbitmq, mosquitto and nats are up"
