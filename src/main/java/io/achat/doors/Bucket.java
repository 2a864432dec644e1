package io.achat.doors;

/**
 * A token bucket: at most {@code capacity} tokens, refilled evenly at {@code capacity} a window of
 * {@code windowNanos}. It counts in exact units, a token being {@code windowNanos} of them, so
 * that a token comes back exactly a window over the capacity after it was taken. Immutable:
 * each step is a new bucket, as it stood at {@code nanos} ({@code System.nanoTime}).
 */
public record Bucket(long units, long nanos) {

  /** A full bucket at {@code now}. */
  public static Bucket full(int capacity, long windowNanos, long now) {
    return new Bucket(capacity * windowNanos, now);
  }

  /** This bucket at {@code now}, refilled for the time since, up to {@code capacity}. */
  public Bucket refilled(int capacity, long windowNanos, long now) {
    return new Bucket(Math.min(capacity * windowNanos, units + (now - nanos) * capacity), now);
  }

  /** Whether a token is there to take. */
  public boolean hasToken(long windowNanos) {
    return units >= windowNanos;
  }

  /** This bucket less one token. */
  public Bucket take(long windowNanos) {
    return new Bucket(units - windowNanos, nanos);
  }

  /** Whether it holds {@code capacity} tokens, as a bucket never used. */
  public boolean isFull(int capacity, long windowNanos) {
    return units >= capacity * windowNanos;
  }
}
