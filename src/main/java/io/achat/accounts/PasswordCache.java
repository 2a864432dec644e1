package io.achat.accounts;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The passwords that logged in on this node since it started, kept so that checking a password
 * for such a name, right or wrong, costs microseconds instead of a slow hash: a spray of guesses
 * at names in use costs no hashing, and their owners need no hashing thread to get in. What it
 * keeps of each is an HMAC-SHA-256 of the password under a key drawn at random when it is made
 * and never written anywhere (Dovecot's authentication cache keeps a fast hash of each password
 * the same way). Whoever can read the process's memory gets the key and could test guesses fast
 * against what is kept; such a reader sees every password as it arrives anyway.
 *
 * <p>An entry holds for the stored hash it was checked against: a password changed in the
 * accounts file is checked slowly again. At most {@link #MAX_KEPT} names are kept, the least
 * recently used forgotten first. Thread-safe: a node's accept loops share one.
 */
public final class PasswordCache {

  static final int MAX_KEPT = 100_000;
  private static final String MAC = "HmacSHA256";

  private record Known(PasswordHash stored, byte[] tag) {
  }

  private final Mac mac;
  private final Map<String, Known> known;

  public PasswordCache() {
    this(MAX_KEPT);
  }

  PasswordCache(int max) {
    byte[] key = new byte[32];
    new SecureRandom().nextBytes(key);
    try {
      mac = Mac.getInstance(MAC);
      mac.init(new SecretKeySpec(key, MAC));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("the JDK has no " + MAC, e);
    }
    known = new LinkedHashMap<>(16, 0.75f, true) {
      @Override
      protected boolean removeEldestEntry(Map.Entry<String, Known> eldest) {
        return size() > max;
      }
    };
  }

  /**
   * Whether {@code password} is {@code name}'s, when a right password for {@code stored} was seen
   * since; null when it is not known and the slow hash must decide.
   */
  public synchronized Boolean matches(String name, PasswordHash stored, String password) {
    Known entry = known.get(name);
    if (entry == null || !same(entry.stored(), stored)) {
      return null;
    }
    return MessageDigest.isEqual(entry.tag(), tag(name, password));
  }

  /** {@code password} was found right for {@code name}'s {@code stored} hash. */
  public synchronized void remember(String name, PasswordHash stored, String password) {
    known.put(name, new Known(stored, tag(name, password)));
  }

  /** How many names it keeps now: never more than its bound. */
  synchronized int size() {
    return known.size();
  }

  private byte[] tag(String name, String password) {
    mac.update(name.getBytes(StandardCharsets.UTF_8));
    mac.update((byte) 0);
    return mac.doFinal(password.getBytes(StandardCharsets.UTF_8));
  }

  private static boolean same(PasswordHash a, PasswordHash b) {
    return a.iterations() == b.iterations() && Arrays.equals(a.salt(), b.salt()) && Arrays.equals(a.hash(), b.hash());
  }
}
