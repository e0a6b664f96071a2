/* The portal: see docs/portal.md. */
