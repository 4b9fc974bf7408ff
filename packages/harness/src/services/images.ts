// Docker images for the testcontainers provider, pinned in this one place. Kept on the same major
// versions as the binaries the local provider runs, so both providers behave alike.
export const IMAGES = {
  redis: 'redis:7.0.15-alpine',
  postgres: 'postgres:15.13-alpine',
  rabbitmq: 'rabbitmq:3.13.7-alpine',
  /** Confluent Platform 7.9 ships Apache Kafka 3.9, the line the local provider runs. */
  kafka: 'confluentinc/cp-kafka:7.9.0',
  toxiproxy: 'ghcr.io/shopify/toxiproxy:2.12.0',
  /** Same line as Debian 12's nginx 1.22. */
  nginx: 'nginx:1.22.1-alpine',
} as const;
