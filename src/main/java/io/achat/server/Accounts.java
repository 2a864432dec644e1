package io.achat.server;

import io.achat.accounts.AccountsFile;
import io.achat.accounts.PasswordHash;
import io.achat.config.ChatConfig;
import io.achat.ops.ChatMetrics;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.file.FileProps;
import io.vertx.core.shareddata.LocalMap;
import io.vertx.core.shareddata.Shareable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Registered names ({@code accountsFile}): which names need a password, and the check of one.
 * The file is read at start and again within {@link #RELOAD_MILLIS} of each change. A password is
 * checked on a worker pool of its own ({@link #HASHING_THREADS} threads, at most
 * {@link #MAX_CHECKING} checks queued), never on an event loop; the failures of each client
 * address are counted node-wide, and an address with {@link #MAX_FAILURES} in a minute is refused
 * until that minute is over. No password nor hash is ever logged or answered. One per accept
 * loop, used on its context; the accounts in force, the failure counts and the pool are shared
 * by the node's loops, so that all of them take a changed file at once.
 */
final class Accounts {

  static final long RELOAD_MILLIS = 2000;
  static final int MAX_FAILURES = 5;
  static final long FAILURE_WINDOW_MILLIS = 60_000;
  private static final int HASHING_THREADS = 2;
  private static final int MAX_CHECKING = 64;
  /** The same words for a wrong password, a missing one and a password for a name without an account. */
  static final String WRONG = "wrong name or password";

  private static final Logger log = LoggerFactory.getLogger(Accounts.class);

  private final Vertx vertx;
  private final ChatConfig config;
  private final ChatMetrics metrics;
  private final Path file;
  private final WorkerExecutor hashing;
  private final Shared shared;
  private long timer = -1;

  private Accounts(Vertx vertx, ChatConfig config, ChatMetrics metrics, Map<String, PasswordHash> byName,
                   FileProps seen) {
    this.vertx = vertx;
    this.config = config;
    this.metrics = metrics;
    this.file = Path.of(config.accountsFile());
    this.hashing = vertx.createSharedWorkerExecutor("a-chat-passwords", HASHING_THREADS);
    LocalMap<String, Shared> map = vertx.sharedData().getLocalMap("a-chat.accounts");
    Shared fresh = new Shared();
    Shared raced = map.putIfAbsent(file.toAbsolutePath().toString(), fresh); // one per file: a redeploy may name another
    this.shared = raced != null ? raced : fresh;
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
   * the name may go on to the broker. {@code password} is null when the login line had none.
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
    // From here on a password decides: an address that guessed too often is not heard.
    if (address != null && shared.blocked(address)) {
      metrics.refused(ChatMetrics.Refusal.THROTTLED);
      return Future.succeededFuture(Optional.of("too many failed logins from your address; try again in a minute"));
    }
    if (password != null && config.accountsOverTlsOnly() && !secure) {
      metrics.refused(ChatMetrics.Refusal.PASSWORD);
      return Future.succeededFuture(Optional.of("this server takes passwords over TLS only"));
    }
    if (password == null) {
      return Future.succeededFuture(failed(address));
    }
    if (shared.checking.incrementAndGet() > MAX_CHECKING) {
      shared.checking.decrementAndGet();
      metrics.refused(ChatMetrics.Refusal.UNAVAILABLE);
      return Future.succeededFuture(Optional.of("the server is busy checking passwords; try again"));
    }
    // A name without an account costs the same work: the time taken does not tell which it is.
    PasswordHash against = hash != null ? hash : PasswordHash.dummy();
    return hashing.executeBlocking(() -> against.matches(password) && hash != null, false)
      .eventually(() -> {
        shared.checking.decrementAndGet();
        return Future.succeededFuture();
      })
      .map(right -> right ? Optional.<String>empty() : failed(address));
  }

  private Optional<String> failed(String address) {
    if (address != null) {
      shared.failed(address);
    }
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

  /** What the node's accept loops share: the accounts in force, failures per address, checks under way. */
  private static final class Shared implements Shareable {

    /** Addresses tracked at most; past it, the oldest windows are dropped first. */
    private static final int MAX_ADDRESSES = 100_000;

    private final Map<String, long[]> failures = new ConcurrentHashMap<>();
    private final AtomicInteger checking = new AtomicInteger();
    /** The registered names in force, read by every accept loop of the node. */
    private volatile Map<String, PasswordHash> byName;
    private volatile FileProps seen;
    private final java.util.concurrent.atomic.AtomicBoolean reloading = new java.util.concurrent.atomic.AtomicBoolean();

    /** Whether {@code address} has failed {@link #MAX_FAILURES} times in its current window. */
    boolean blocked(String address) {
      long[] window = failures.get(address);
      return window != null && System.nanoTime() - window[0] < TimeUnit.MILLISECONDS.toNanos(FAILURE_WINDOW_MILLIS)
        && window[1] >= MAX_FAILURES;
    }

    void failed(String address) {
      long now = System.nanoTime();
      if (failures.size() >= MAX_ADDRESSES) {
        failures.values().removeIf(w -> now - w[0] >= TimeUnit.MILLISECONDS.toNanos(FAILURE_WINDOW_MILLIS));
        if (failures.size() >= MAX_ADDRESSES && !failures.containsKey(address)) {
          return; // memory stays bounded; the check pool still bounds how fast anyone guesses
        }
      }
      failures.compute(address, (a, window) ->
        window == null || now - window[0] >= TimeUnit.MILLISECONDS.toNanos(FAILURE_WINDOW_MILLIS)
          ? new long[] {now, 1} : new long[] {window[0], window[1] + 1});
    }
  }
}
