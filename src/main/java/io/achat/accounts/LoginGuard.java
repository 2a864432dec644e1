package io.achat.accounts;

import io.achat.doors.Bucket;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * Who may have a password checked, before it costs a hash. The rules (Ergo's login throttling,
 * and the smart lockout that keeps an account's familiar places apart from the rest):
 *
 * <ul>
 *   <li>An address (IPv6: its /64) with {@link #ADDRESS_FAILURES} failures in a minute is not
 *       heard for the rest of that minute, whatever the name.</li>
 *   <li>A name logged in with its password from an address before (one of its last
 *       {@link #FAMILIAR_PER_NAME}) is at home there: from it, attempts are not counted against
 *       the name, and they are checked before any other.</li>
 *   <li>From anywhere else a name gets {@link #NAME_ATTEMPTS} attempts a minute (a bucket of
 *       that many, refilled evenly), registered or not, so that a flood of guesses from ever new
 *       addresses costs at most that many hashes a minute and keeps no owner out of a familiar
 *       place.</li>
 *   <li>A name's first attempt from an unfamiliar place in {@link #QUIET_MINUTES} minutes (a
 *       name nobody has been trying) is checked before the rest of the unfamiliar attempts: a
 *       spray of guesses over many names gets one such attempt per name in that time, and the
 *       owner of a name under no attack is heard ahead of the spray's second and later
 *       guesses.</li>
 * </ul>
 *
 * What it remembers is bounded: at most {@link #MAX_TRACKED} addresses and as many names, the
 * least recently seen forgotten first. Thread-safe: the node's accept loops share one.
 */
public final class LoginGuard {

  public static final int ADDRESS_FAILURES = 5;
  public static final int NAME_ATTEMPTS = 3;
  public static final int FAMILIAR_PER_NAME = 8;
  public static final int QUIET_MINUTES = 10;
  static final int MAX_TRACKED = 100_000;
  private static final long WINDOW_NANOS = TimeUnit.MINUTES.toNanos(1);
  private static final long QUIET_NANOS = TimeUnit.MINUTES.toNanos(QUIET_MINUTES);

  /** What may happen to an attempt. */
  public enum Verdict {
    /** Checked first: the name has logged in from this address before. */
    FAMILIAR,
    /** Checked after every familiar attempt waiting: the name's first from an unfamiliar place in a while. */
    QUIET,
    /** Checked after every familiar and quiet attempt waiting. */
    UNFAMILIAR,
    /** Not heard: the address failed too often this minute. */
    ADDRESS_THROTTLED,
    /** Not heard: the name was tried too often this minute from places it is not at home in. */
    NAME_THROTTLED
  }

  private final LongSupplier clock;
  /** Per address: when its window began, and its failures in it. */
  private final Map<String, long[]> failures;
  /** Per name: its attempts from unfamiliar places. */
  private final Map<String, Tries> attempts;
  /** Per name that logged in with a password: the addresses it did, the latest last. */
  private final Map<String, Deque<String>> familiar;

  public LoginGuard() {
    this(System::nanoTime, MAX_TRACKED);
  }

  LoginGuard(LongSupplier clock, int maxTracked) {
    this.clock = clock;
    this.failures = bounded(maxTracked);
    this.attempts = bounded(maxTracked);
    this.familiar = bounded(maxTracked);
  }

  private static <V> Map<String, V> bounded(int max) {
    return new LinkedHashMap<>(16, 0.75f, true) {
      @Override
      protected boolean removeEldestEntry(Map.Entry<String, V> eldest) {
        return size() > max;
      }
    };
  }

  /** Whether {@code address} (a prefix key; null when unknown) failed too often to be heard this minute. */
  public synchronized boolean throttled(String address) {
    if (address == null) {
      return false;
    }
    long[] window = failures.get(address);
    return window != null && clock.getAsLong() - window[0] < WINDOW_NANOS && window[1] >= ADDRESS_FAILURES;
  }

  /** A password for {@code name} from {@code address} (a prefix key; null when unknown). */
  public synchronized Verdict admit(String name, String address) {
    long now = clock.getAsLong();
    if (throttled(address)) {
      return Verdict.ADDRESS_THROTTLED;
    }
    if (address != null) {
      Deque<String> places = familiar.get(name);
      if (places != null && places.contains(address)) {
        return Verdict.FAMILIAR;
      }
    }
    return takeAttempt(name, now);
  }

  /**
   * One token of the name's bucket ({@link #NAME_ATTEMPTS} a minute, up to that many at once);
   * every attempt, heard or not, keeps the name from being quiet.
   */
  private Verdict takeAttempt(String name, long now) {
    Tries tries = attempts.get(name);
    boolean quiet = tries == null || now - tries.last() >= QUIET_NANOS;
    Bucket bucket = tries == null ? Bucket.full(NAME_ATTEMPTS, WINDOW_NANOS, now)
      : tries.bucket().refilled(NAME_ATTEMPTS, WINDOW_NANOS, now);
    boolean took = bucket.hasToken(WINDOW_NANOS);
    attempts.put(name, new Tries(took ? bucket.take(WINDOW_NANOS) : bucket, now));
    return !took ? Verdict.NAME_THROTTLED : quiet ? Verdict.QUIET : Verdict.UNFAMILIAR;
  }

  /** A name's attempts from unfamiliar places: what is left of its budget, and when it was last tried. */
  private record Tries(Bucket bucket, long last) {
  }

  /** Whether {@code name} logged in with its password from {@code address} lately (one of its last places). */
  public synchronized boolean familiar(String name, String address) {
    Deque<String> places = address == null ? null : familiar.get(name);
    return places != null && places.contains(address);
  }

  /** The name's familiar places, the latest last. */
  public synchronized List<String> places(String name) {
    Deque<String> places = familiar.get(name);
    return places == null ? List.of() : List.copyOf(places);
  }

  /**
   * The password was right: {@code address} becomes one of the name's familiar places. Right
   * from an unfamiliar place, the owner is there: the name's budget for unfamiliar places is
   * whole again (from a familiar place it stays as the guesses left it).
   */
  public synchronized void succeeded(String name, String address) {
    if (!familiar(name, address)) {
      attempts.remove(name);
    }
    atHome(name, address);
  }

  /** {@code address} is one of the name's familiar places (another node saw it log in there). */
  public synchronized void atHome(String name, String address) {
    if (address == null) {
      return;
    }
    Deque<String> places = familiar.computeIfAbsent(name, n -> new ArrayDeque<>(FAMILIAR_PER_NAME));
    places.remove(address);
    places.addLast(address);
    while (places.size() > FAMILIAR_PER_NAME) {
      places.removeFirst();
    }
  }

  /** The password was wrong (or missing): counts against the address. */
  public synchronized void failed(String address) {
    if (address == null) {
      return;
    }
    long now = clock.getAsLong();
    long[] window = failures.get(address);
    if (window == null || now - window[0] >= WINDOW_NANOS) {
      failures.put(address, new long[] {now, 1});
    } else {
      window[1]++;
    }
  }

  /** How many addresses, names and familiar places it remembers now: never more than its bound each. */
  synchronized int[] sizes() {
    return new int[] {failures.size(), attempts.size(), familiar.size()};
  }
}
