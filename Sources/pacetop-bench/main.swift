import CMallocCounter
print("mallocs so far: \(pacetop_malloc_count())")
