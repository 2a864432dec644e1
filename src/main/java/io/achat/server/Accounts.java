package io.achat.server;

import io.achat.accounts.AccountsFile;
import io.achat.accounts.CheckLanes;
import io.achat.accounts.LoginGuard;
import io.achat.accounts.PasswordCache;
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
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Registered names ({@code accountsFile}): which names need a password, and the check of one.
 * The file is read at start and again within {@link #RELOAD_MILLIS} of each change. Before a
 * password costs a hash the node's {@link LoginGuard} decides whether it is heard at all (per
 * address, IPv6 per /64, and per name from places the name is not at home in). A name that
 * logged in on this node before is checked at once against what {@link PasswordCache} kept;
 * any other password on a worker pool of its own ({@code passwordCheckThreads}: half the
 * cores, at least one), never on an event loop, in the order of {@link CheckLanes}: a name's
 * familiar places first, a quiet name's next, newest first, and no check waiting past a bound.
 * No password nor hash is ever logged or answered.
 * One per accept loop, used on its context; the accounts in force, the guard and the pool are
 * shared by the node's loops, so that all of them take a changed file at once.
 */
final class Accounts {

  static final long RELOAD_MILLIS = 2000;
  /**
   * The same words for a wrong password, a missing one and a password for a name without an
   * account; told no sooner than {@link Admission#THROTTLED_REFUSAL_MILLIS} after asking, like
   * every refusal of a password, so that the time taken does not tell which it was.
   */
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
    metrics.passwordChecksWaiting(shared.lanes::waiting);
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
   * the name may go on to the broker; a refusal of a password ({@link #heldBack}) no sooner than
   * {@link Admission#THROTTLED_REFUSAL_MILLIS} after asking. {@code password} is null when the login line had none;
   * {@code address} is the client's, null when unknown.
   */
  Future<Optional<String>> check(String name, String password, boolean secure, String address) {
    long asked = System.nanoTime();
    return decide(name, password, secure, address).compose(why -> {
      long late = Admission.THROTTLED_REFUSAL_MILLIS - TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - asked);
      return why.isPresent() && heldBack(why.get()) && late > 0
        ? vertx.timer(late, TimeUnit.MILLISECONDS).map(why) : Future.succeededFuture(why);
    });
  }

  private Future<Optional<String>> decide(String name, String password, boolean secure, String address) {
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
      return hash(name, password, hash, place, CheckLanes.Lane.of(verdict));
    });
  }

  /** Checks {@code password} against {@code hash} (null: a name without an account) on the pool. */
  private Future<Optional<String>> hash(String name, String password, PasswordHash hash, String place,
                                        CheckLanes.Lane lane) {
    Boolean known = hash == null ? null : shared.cache.matches(name, hash, password);
    if (known != null) { // logged in with it on this node before: no hash needed, right or wrong
      metrics.passwordChecked(false);
      return Future.succeededFuture(known ? succeeded(name, place) : failed(place));
    }
    // A name without an account costs the same work: the time taken does not tell which it is.
    PasswordHash against = hash != null ? hash : PasswordHash.dummy();
    Context context = vertx.getOrCreateContext();
    Promise<Boolean> right = Promise.promise(); // null: refused unhashed
    shared.lanes.submit(lane, new CheckLanes.Check() {
      @Override
      public void start() {
        context.runOnContext(v -> hashing.executeBlocking(() -> against.matches(password) && hash != null, false)
          .onComplete(ar -> {
            shared.lanes.finished();
            right.handle(ar);
          }));
      }

      @Override
      public void refuse() {
        context.runOnContext(v -> right.complete(null));
      }
    });
    return right.future().map(ok -> {
      if (ok == null) {
        metrics.refused(ChatMetrics.Refusal.UNAVAILABLE);
        return Optional.of(BUSY);
      }
      metrics.passwordChecked(true);
      if (!ok) {
        return failed(place);
      }
      shared.cache.remember(name, hash, password);
      return succeeded(name, place);
    });
  }

  private Optional<String> succeeded(String name, String place) {
    places.succeeded(name, place);
    return Optional.empty();
  }

  /** The words for a name tried too often from unfamiliar places, registered or not. */
  static final String NAME_THROTTLED = "too many login attempts for this name; try again in a minute";
  static final String ADDRESS_THROTTLED = "too many failed logins from your address; try again in a minute";
  static final String BUSY = "the server is busy checking passwords; try again";
  /**
   * Whether {@code why} refuses a password: it is told no sooner than
   * {@link Admission#THROTTLED_REFUSAL_MILLIS} after asking. Refusals before any hash would
   * otherwise cost so little that each connection could ask thousands of times a second, and a
   * wrong password known without a hash ({@link PasswordCache}) would be told faster than one
   * hashed, telling a name in use from one that is not.
   */
  private static boolean heldBack(String why) {
    return WRONG.equals(why) || NAME_THROTTLED.equals(why) || ADDRESS_THROTTLED.equals(why) || BUSY.equals(why);
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

  /** What the node's accept loops share: the accounts in force, the guard, the checks under way and waiting. */
  private static final class Shared implements Shareable {

    private final LoginGuard guard = new LoginGuard();
    private final PasswordCache cache = new PasswordCache();
    private final CheckLanes lanes;
    /** The registered names in force, read by every accept loop of the node. */
    private volatile Map<String, PasswordHash> byName;
    private volatile FileProps seen;
    private final AtomicBoolean reloading = new AtomicBoolean();

    Shared(int threads) {
      this.lanes = new CheckLanes(threads);
    }
  }
}
