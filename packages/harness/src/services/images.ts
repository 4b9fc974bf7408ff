// Docker images for the testcontainers provider, pinned in this one place. Kept on the same major
// versions as the Debian binaries the local provider runs, so both providers behave alike.
export const IMAGES = {
  redis: 'redis:7.0.15-alpine',
  postgres: 'postgres:15.13-alpine',
} as const;
