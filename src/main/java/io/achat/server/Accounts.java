package io.achat.server;

import io.achat.accounts.AccountsFile;
import io.achat.accounts.LoginGuard;
import io.achat.accounts.PasswordHash;
import io.achat.doors.Admission;
import io.achat.config.ChatConfig;
import io.achat.ops.ChatMetrics;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.file.FileProps;
import io.vertx.core.shareddata.LocalMap;
import io.vertx.core.shareddata.Shareable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Registered names ({@code accountsFile}): which names need a password, and the check of one.
 * The file is read at start and again within {@link #RELOAD_MILLIS} of each change. Before a
 * password costs a hash the node's {@link LoginGuard} decides whether it is heard at all (per
 * address, IPv6 per /64, and per name from places the name is not at home in); a password is
 * then checked on a worker pool of its own ({@code passwordCheckThreads}: half the cores, at
 * least one), never on an event loop, with at most {@link #MAX_WAITING} checks waiting in each of
 * two lanes, a name's familiar places first. No password nor hash is ever logged or answered.
 * One per accept loop, used on its context; the accounts in force, the guard and the pool are
 * shared by the node's loops, so that all of them take a changed file at once.
 */
final class Accounts {

  static final long RELOAD_MILLIS = 2000;
  private static final int MAX_WAITING = 64;
  /** The same words for a wrong password, a missing one and a password for a name without an account. */
  static final String WRONG = "wrong name or password";

  private static final Logger log = LoggerFactory.getLogger(Accounts.class);

  private final Vertx vertx;
  private final ChatConfig config;
  private final ChatMetrics metrics;
  private final Path file;
  private final WorkerExecutor hashing;
  private final Shared shared;
  private final FamiliarPlaces places;
  private long timer = -1;

  private Accounts(Vertx vertx, ChatConfig config, ChatMetrics metrics, Map<String, PasswordHash> byName,
                   FileProps seen) {
    this.vertx = vertx;
    this.config = config;
    this.metrics = metrics;
    this.file = Path.of(config.accountsFile());
    this.hashing = vertx.createSharedWorkerExecutor("a-chat-passwords", config.passwordCheckThreads());
    LocalMap<String, Shared> map = vertx.sharedData().getLocalMap("a-chat.accounts");
    Shared fresh = new Shared(config.passwordCheckThreads());
    Shared raced = map.putIfAbsent(file.toAbsolutePath().toString(), fresh); // one per file: a redeploy may name another
    this.shared = raced != null ? raced : fresh;
    this.places = new FamiliarPlaces(vertx, shared.guard);
    synchronized (shared) {
      if (shared.byName == null) {
        shared.byName = byName;
        shared.seen = seen;
      }
    }
  }

  /** Reads the accounts file; fails, naming the key, when it cannot be read or parsed. */
  static Future<Accounts> load(Vertx vertx, ChatConfig config, ChatMetrics metrics) {
    String path = config.accountsFile();
    return vertx.fileSystem().props(path)
      .compose(props -> vertx.fileSystem().readFile(path).map(bytes -> {
        Map<String, PasswordHash> accounts = AccountsFile.parse(bytes.toString(), config.maxLoginLength());
        return new Accounts(vertx, config, metrics, Map.copyOf(accounts), props);
      }))
      .recover(e -> Future.failedFuture(new IllegalArgumentException("configuration 'accountsFile'"
        + " (ACHAT_ACCOUNTS_FILE) cannot be used: " + path + ": " + e.getMessage(), e)))
      .onSuccess(accounts -> accounts.timer = vertx.setPeriodic(RELOAD_MILLIS, t -> accounts.reloadIfChanged()));
  }

  void stop() {
    vertx.cancelTimer(timer);
  }

  /**
   * Decides on a login: completes with why it is refused ({@code error: } text), or empty when
   * the name may go on to the broker. {@code password} is null when the login line had none;
   * {@code address} is the client's, null when unknown.
   */
  Future<Optional<String>> check(String name, String password, boolean secure, String address) {
    PasswordHash hash = shared.byName.get(name);
    if (hash == null && password == null) {
      if (config.accountsRequired()) {
        metrics.refused(ChatMetrics.Refusal.NO_ACCOUNT);
        return Future.succeededFuture(Optional.of("this server admits registered names only: log in as 'name password'"));
      }
      return Future.succeededFuture(Optional.empty());
    }
    if (password != null && config.accountsOverTlsOnly() && !secure) {
      metrics.refused(ChatMetrics.Refusal.PASSWORD);
      return Future.succeededFuture(Optional.of("this server takes passwords over TLS only"));
    }
    // From here on a password decides; the guard hears it or not before it costs anything.
    String place = place(address);
    if (password == null) { // a registered name without one: no guess, but a failure of the address
      return Future.succeededFuture(shared.guard.throttled(place) ? addressThrottled() : failed(place));
    }
    return places.admit(name, place).compose(verdict -> {
      if (verdict == LoginGuard.Verdict.ADDRESS_THROTTLED) {
        return Future.succeededFuture(addressThrottled());
      }
      if (verdict == LoginGuard.Verdict.NAME_THROTTLED) {
        // The same words whether the name is registered or not.
        metrics.refused(ChatMetrics.Refusal.NAME_THROTTLED);
        return Future.succeededFuture(Optional.of(NAME_THROTTLED));
      }
      return hash(name, password, hash, place, verdict == LoginGuard.Verdict.FAMILIAR);
    });
  }

  /** Checks {@code password} against {@code hash} (null: a name without an account) on the pool. */
  private Future<Optional<String>> hash(String name, String password, PasswordHash hash, String place,
                                        boolean familiar) {
    // A name without an account costs the same work: the time taken does not tell which it is.
    PasswordHash against = hash != null ? hash : PasswordHash.dummy();
    Future<Boolean> right = shared.check(vertx, hashing, () -> against.matches(password) && hash != null, familiar);
    if (right == null) {
      metrics.refused(ChatMetrics.Refusal.UNAVAILABLE);
      return Future.succeededFuture(Optional.of(BUSY));
    }
    return right.map(ok -> {
      if (!ok) {
        return failed(place);
      }
      places.succeeded(name, place);
      return Optional.<String>empty();
    });
  }

  /** The words for a name tried too often from unfamiliar places, registered or not. */
  static final String NAME_THROTTLED = "too many login attempts for this name; try again in a minute";
  static final String ADDRESS_THROTTLED = "too many failed logins from your address; try again in a minute";
  static final String BUSY = "the server is busy checking passwords; try again";
  /**
   * Whether {@code why} refuses a password before any hash: the connection hears it
   * {@link Admission#THROTTLED_REFUSAL_MILLIS} late, or such refusals would cost so little that
   * each connection could ask thousands of times a second.
   */
  static boolean heldBack(String why) {
    return NAME_THROTTLED.equals(why) || ADDRESS_THROTTLED.equals(why) || BUSY.equals(why);
  }

  /** What a client address counts under (IPv6: its network of ipv6PrefixBits); null when there is none. */
  private String place(String address) {
    if (address == null) {
      return null;
    }
    try {
      return Admission.prefix(InetAddress.getByName(address), config.ipv6PrefixBits()); // a literal: never looked up
    } catch (UnknownHostException e) {
      return null;
    }
  }

  private Optional<String> addressThrottled() {
    metrics.refused(ChatMetrics.Refusal.THROTTLED);
    return Optional.of(ADDRESS_THROTTLED);
  }

  private Optional<String> failed(String place) {
    shared.guard.failed(place);
    metrics.refused(ChatMetrics.Refusal.PASSWORD);
    return Optional.of(WRONG);
  }

  /** Reads the file again when its size or time changed; one accept loop at a time, for all of them. */
  private void reloadIfChanged() {
    if (!shared.reloading.compareAndSet(false, true)) {
      return;
    }
    String path = file.toString();
    vertx.fileSystem().props(path).compose(props -> {
      FileProps seen = shared.seen;
      if (seen != null && props.lastModifiedTime() == seen.lastModifiedTime() && props.size() == seen.size()) {
        return Future.succeededFuture();
      }
      shared.seen = props;
      return vertx.fileSystem().readFile(path).map(bytes -> {
        Map<String, PasswordHash> accounts = AccountsFile.parse(bytes.toString(), config.maxLoginLength());
        shared.byName = Map.copyOf(accounts);
        log.info("accounts file {} read again: {} registered names", path, accounts.size());
        return null;
      });
    }).onComplete(ar -> {
      shared.reloading.set(false);
      if (ar.failed()) {
        // Once per change: the old accounts stay in force until the file is right again.
        log.warn("accounts file {} not read again, the accounts read before stay in force: {}", path,
          ar.cause().getMessage());
      }
    });
  }

  /** What the node's accept loops share: the accounts in force, the guard, the checks under way. */
  private static final class Shared implements Shareable {

    private final LoginGuard guard = new LoginGuard();
    private final int threads;
    /** Checks on the pool now, and those waiting: a name's familiar places first. */
    private int running;
    private final Deque<Runnable> familiar = new ArrayDeque<>();
    private final Deque<Runnable> others = new ArrayDeque<>();
    /** The registered names in force, read by every accept loop of the node. */
    private volatile Map<String, PasswordHash> byName;
    private volatile FileProps seen;
    private final AtomicBoolean reloading = new AtomicBoolean();

    Shared(int threads) {
      this.threads = threads;
    }

    /**
     * Runs {@code check} on the pool once a thread is free, completing on the caller's context;
     * null when {@link #MAX_WAITING} checks of its lane wait already.
     */
    Future<Boolean> check(Vertx vertx, WorkerExecutor pool, Callable<Boolean> check, boolean familiarPlace) {
      Context context = vertx.getOrCreateContext();
      Promise<Boolean> result = Promise.promise();
      Runnable job = () -> context.runOnContext(v -> pool.executeBlocking(check, false).onComplete(ar -> {
        Runnable next = finished();
        if (next != null) {
          next.run();
        }
        result.handle(ar);
      }));
      synchronized (this) {
        if (running < threads) {
          running++;
        } else {
          Deque<Runnable> lane = familiarPlace ? familiar : others;
          if (lane.size() >= MAX_WAITING) {
            return null;
          }
          lane.addLast(job);
          return result.future();
        }
      }
      job.run();
      return result.future();
    }

    /** A check is done: the next one waiting, which takes its thread, or null. */
    private synchronized Runnable finished() {
      Runnable next = familiar.pollFirst();
      if (next == null) {
        next = others.pollFirst();
      }
      if (next == null) {
        running--;
      }
      return next;
    }
  }
}
