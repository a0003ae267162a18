#!/bin/sh
# Certificates for mTLS between casework (API, workers), Temporal and its tools, for the
# compose deployment: a private CA, Temporal's server certificate, and client ones.
#
#   sh deploy/certs.sh [DIR [CA_DIR]]   # default deploy/certs and deploy/certs-ca
#
# DIR is mounted (read-only) into the containers; CA_DIR, with the CA's key, is not: keep
# it offline once the certificates are made, since with it anyone can mint a client
# certificate that Temporal trusts. Both stay out of git and images. Run once, before
# `docker compose up`; again (then restart everything) to renew: they are valid for
# VALID_DAYS (825 by default). In a cluster, use the organisation's CA instead and give
# each client its own certificate (docs/deployment.md).
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
DIR=${1:-$HERE/certs}
CA_DIR=${2:-$DIR-ca}
DAYS=${VALID_DAYS:-825}
mkdir -p "$DIR" "$CA_DIR"
CA_KEY=$(cd "$CA_DIR" && pwd)/ca.key
cd "$DIR"
umask 077

openssl req -x509 -newkey rsa:3072 -nodes -days "$DAYS" -keyout "$CA_KEY" -out ca.pem \
    -subj "/CN=casework internal CA" -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null

# NAME, extended key usage, subject alternative names
issue() {
    openssl req -newkey rsa:3072 -nodes -keyout "$1.key" -out "$1.csr" -subj "/CN=$1" 2>/dev/null
    printf 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=%s\nsubjectAltName=%s\n' \
        "$2" "$3" > "$1.ext"
    openssl x509 -req -in "$1.csr" -CA ca.pem -CAkey "$CA_KEY" -set_serial "0x$(openssl rand -hex 16)" \
        -days "$DAYS" -extfile "$1.ext" -out "$1.pem" 2>/dev/null
    rm -f "$1.csr" "$1.ext"
}

issue temporal serverAuth,clientAuth "DNS:temporal,DNS:localhost,IP:127.0.0.1"
issue casework clientAuth "DNS:casework"
issue temporal-tools clientAuth "DNS:temporal-tools"
# The containers run as other users than the one who made these: readable by them, and the
# folder is mounted read-only.
chmod 0644 ./*.pem ./*.key
echo "certificates in $DIR: ca.pem, temporal.pem/key, casework.pem/key, temporal-tools.pem/key"
echo "the CA's key in $CA_KEY: keep it offline"
