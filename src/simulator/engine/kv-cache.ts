/** vLLM's KV-cache block size in tokens. */
export const BLOCK_SIZE = 16;

/** What a request holds in the cache: shared prefix blocks (by hash) and private blocks. */
export interface BlockHolder {
  /** Hashes of the full prompt blocks this request references, in prompt order. */
  readonly hashedBlocks: number[];
  privateBlocks: number;
}

/**
 * The paged KV cache with automatic prefix caching: a full prompt block is registered under its
 * hash; when no request references it any more it stays cached but evictable (LRU), so a later
 * prompt with the same prefix hits it. Usage counts referenced blocks only, as vLLM's
 * `kv_cache_usage_perc` does (cached free blocks are free).
 */
export class BlockPool {
  readonly totalBlocks: number;
  private privateInUse = 0;
  private readonly referenced = new Map<number, number>();
  /** Cached, unreferenced blocks in least-recently-freed-first order. */
  private readonly evictable = new Map<number, true>();

  constructor(totalBlocks: number) {
    this.totalBlocks = totalBlocks;
  }

  usedBlocks(): number {
    return this.privateInUse + this.referenced.size;
  }

  freeBlocks(): number {
    return this.totalBlocks - this.usedBlocks();
  }

  usage(): number {
    return this.usedBlocks() / this.totalBlocks;
  }

  isCached(hash: number): boolean {
    return this.referenced.has(hash) || this.evictable.has(hash);
  }

  /** Number of leading hashes found in the cache, at most `limit`. */
  longestCachedPrefix(hashes: readonly number[], limit: number): number {
    let count = 0;
    while (count < limit && count < hashes.length && this.isCached(hashes[count] as number)) count += 1;
    return count;
  }

  /** References the cached block `hash` (it must be cached). */
  acquire(holder: BlockHolder, hash: number): void {
    const references = this.referenced.get(hash);
    if (references !== undefined) this.referenced.set(hash, references + 1);
    else {
      this.evictable.delete(hash);
      this.referenced.set(hash, 1);
    }
    holder.hashedBlocks.push(hash);
  }

  /** Allocates `count` private blocks, evicting cached ones if needed; false when the cache is full. */
  allocate(holder: BlockHolder, count: number): boolean {
    if (count <= 0) return true;
    if (count > this.freeBlocks()) return false;
    let uncachedFree = this.totalBlocks - this.usedBlocks() - this.evictable.size;
    for (const hash of this.evictable.keys()) {
      if (uncachedFree >= count) break;
      this.evictable.delete(hash);
      uncachedFree += 1;
    }
    this.privateInUse += count;
    holder.privateBlocks += count;
    return true;
  }

  /**
   * A private block now holds the full prompt block `hash`: register it for reuse, or, when an
   * identical block is already cached, share that one and give the private block back.
   */
  register(holder: BlockHolder, hash: number): void {
    holder.privateBlocks -= 1;
    this.privateInUse -= 1;
    this.acquire(holder, hash);
  }

  /** Frees everything `holder` has (finish, abort or preemption). */
  release(holder: BlockHolder): void {
    this.privateInUse -= holder.privateBlocks;
    holder.privateBlocks = 0;
    // why: vLLM frees a request's blocks tail first, so the prefix stays cached longest.
    for (let index = holder.hashedBlocks.length - 1; index >= 0; index -= 1) {
      const hash = holder.hashedBlocks[index] as number;
      const references = (this.referenced.get(hash) ?? 1) - 1;
      if (references > 0) this.referenced.set(hash, references);
      else {
        this.referenced.delete(hash);
        this.evictable.set(hash, true);
      }
    }
    holder.hashedBlocks.length = 0;
  }
}
