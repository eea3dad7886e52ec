"""Process-level services: BLAS threads and the allocator (:mod:`.runtime`),
atomic file writes (:mod:`.atomic`)."""
