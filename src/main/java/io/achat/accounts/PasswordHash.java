package io.achat.accounts;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;

/**
 * A password stored as a salted, slow hash: PBKDF2 with HMAC-SHA-256 from the JDK (no library to
 * add or keep current, and FIPS-approved), 600,000 iterations by default (OWASP's figure for it),
 * a random 16-byte salt and a 32-byte result. Written as
 * {@code pbkdf2-sha256$ITERATIONS$SALT$HASH} (Base64), so that the cost can rise later without
 * invalidating what is stored. Verifying takes about half a second of one core: callers keep it
 * off the event loops.
 */
public record PasswordHash(int iterations, byte[] salt, byte[] hash) {

  public static final int DEFAULT_ITERATIONS = 600_000;
  private static final String SCHEME = "pbkdf2-sha256";
  private static final SecureRandom RANDOM = new SecureRandom();

  /** A fresh hash of {@code password}, with a salt of its own. */
  public static PasswordHash of(String password, int iterations) {
    byte[] salt = new byte[16];
    RANDOM.nextBytes(salt);
    return new PasswordHash(iterations, salt, derive(password, salt, iterations));
  }

  /** Whether {@code password} is the one hashed; the comparison takes the same time whatever differs. */
  public boolean matches(String password) {
    return MessageDigest.isEqual(hash, derive(password, salt, iterations));
  }

  /** Reads what {@link #encoded()} wrote. */
  public static PasswordHash parse(String text) {
    String[] parts = text.split("\\$");
    if (parts.length != 4 || !parts[0].equals(SCHEME)) {
      throw new IllegalArgumentException("not a " + SCHEME + " hash");
    }
    try {
      int iterations = Integer.parseInt(parts[1]);
      byte[] salt = Base64.getDecoder().decode(parts[2]);
      byte[] hash = Base64.getDecoder().decode(parts[3]);
      if (iterations < 1 || salt.length < 8 || hash.length != 32) {
        throw new IllegalArgumentException("a " + SCHEME + " hash with a bad iteration count, salt or length");
      }
      return new PasswordHash(iterations, salt, hash);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("a " + SCHEME + " hash that does not parse", e);
    }
  }

  /** Nothing of the hash: so that no log line can show it. */
  @Override
  public String toString() {
    return "PasswordHash[" + SCHEME + ", " + iterations + " iterations]";
  }

  /** The form stored in an accounts file. */
  public String encoded() {
    return SCHEME + "$" + iterations + "$" + Base64.getEncoder().encodeToString(salt) + "$"
      + Base64.getEncoder().encodeToString(hash);
  }

  private static byte[] derive(String password, byte[] salt, int iterations) {
    char[] chars = password.toCharArray();
    PBEKeySpec spec = new PBEKeySpec(chars, salt, iterations, 256);
    try {
      return SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256").generateSecret(spec).getEncoded();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("the JDK has no PBKDF2WithHmacSHA256", e);
    } finally {
      spec.clearPassword();
      java.util.Arrays.fill(chars, '\0');
    }
  }

  /** For a name without an account: the same work as a real check, so that timing does not tell. */
  public static PasswordHash dummy() {
    return Dummy.HASH;
  }

  private static final class Dummy {
    static final PasswordHash HASH = of(new String(new byte[12], StandardCharsets.ISO_8859_1), DEFAULT_ITERATIONS);
  }
}
