// Docker images for the Docker provider, in this one place.
//
// For each service the provider uses the first of these that it can have:
//   1. POC_<SERVICE>_IMAGE (e.g. POC_REDIS_IMAGE=my-registry.example/redis:7.0.15), if set: only that one;
//   2. the pinned official image, if present locally;
//   3. the image built by tooling/docker/build-images.sh (localhost/poc/<service>:bookworm), if present:
//      the same Debian packages, Kafka jars and toxiproxy build the local provider runs;
//   4. the pinned official image, pulled (TESTCONTAINERS_HUB_IMAGE_NAME_PREFIX redirects Docker Hub
//      images to a mirror, e.g. "registry.example.com/dockerhub-proxy/").
// When none can be had, the service runs on local binaries (one log line says why), or fails naming the
// image and the registry's error under POC_PROVIDER=docker.
export const IMAGES = {
  redis: 'redis:7.0.15-alpine',
  postgres: 'postgres:15.13-alpine',
  rabbitmq: 'rabbitmq:3.13.7-alpine',
  /** Apache's own image of Kafka 3.9.1, the release the local provider runs. */
  kafka: 'apache/kafka:3.9.1',
  toxiproxy: 'ghcr.io/shopify/toxiproxy:2.12.0',
  /** Same line as Debian 12's nginx 1.22. */
  nginx: 'nginx:1.22.1-alpine',
} as const;

export type ImageService = keyof typeof IMAGES;

/**
 * Images built from Debian's archive by tooling/docker/build-images.sh. The "localhost/" registry keeps
 * TESTCONTAINERS_HUB_IMAGE_NAME_PREFIX from being applied to them, and keeps them from being pulled.
 */
export const LOCAL_BUILDS: Record<ImageService, string> = {
  redis: 'localhost/poc/redis:bookworm',
  postgres: 'localhost/poc/postgres:bookworm',
  rabbitmq: 'localhost/poc/rabbitmq:bookworm',
  kafka: 'localhost/poc/kafka:bookworm',
  toxiproxy: 'localhost/poc/toxiproxy:bookworm',
  nginx: 'localhost/poc/nginx:bookworm',
};

/** The variable that overrides a service's image, e.g. POC_REDIS_IMAGE. */
export const imageEnvVar = (service: ImageService): string => `POC_${service.toUpperCase()}_IMAGE`;

export const isImageService = (name: string): name is ImageService => Object.hasOwn(IMAGES, name);

/** The command that builds LOCAL_BUILDS. */
export const BUILD_IMAGES_COMMAND = 'bash tooling/docker/build-images.sh';
