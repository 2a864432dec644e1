package io.achat.accounts;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.assertj.core.api.Assertions.assertThat;

/** Passwords seen right since the node started, checked without the slow hash. */
@Timeout(30)
class PasswordCacheTest {

  private final PasswordHash stored = PasswordHash.of("alice's secret", 1000);

  @Test
  void aNameSeenWithItsRightPasswordIsCheckedRightOrWrongWithoutTheSlowHash() {
    PasswordCache cache = new PasswordCache(10);
    assertThat(cache.matches("alice", stored, "alice's secret")).as("not seen yet").isNull();
    cache.remember("alice", stored, "alice's secret");
    assertThat(cache.matches("alice", stored, "alice's secret")).isTrue();
    assertThat(cache.matches("alice", stored, "alice's secreT")).isFalse();
    assertThat(cache.matches("alice", stored, "")).isFalse();
    assertThat(cache.matches("bob", stored, "alice's secret")).as("another name").isNull();
  }

  @Test
  void aPasswordChangedInTheFileIsHashedAgainAndTheSameHashReadAgainIsNot() {
    PasswordCache cache = new PasswordCache(10);
    cache.remember("alice", stored, "alice's secret");
    PasswordHash changed = PasswordHash.of("alice's new secret", 1000);
    assertThat(cache.matches("alice", changed, "alice's secret")).isNull();
    assertThat(cache.matches("alice", changed, "alice's new secret")).isNull();
    PasswordHash readAgain = PasswordHash.parse(stored.encoded());
    assertThat(cache.matches("alice", readAgain, "alice's secret")).isTrue();
  }

  @Test
  void itKeepsAtMostItsBoundTheLeastRecentlyUsedForgottenFirst() {
    PasswordCache cache = new PasswordCache(3);
    for (int i = 0; i < 3; i++) {
      cache.remember("name" + i, stored, "alice's secret");
    }
    assertThat(cache.matches("name0", stored, "alice's secret")).isTrue(); // used: the latest now
    cache.remember("name3", stored, "alice's secret");
    assertThat(cache.size()).isEqualTo(3);
    assertThat(cache.matches("name1", stored, "alice's secret")).isNull();
    assertThat(cache.matches("name0", stored, "alice's secret")).isTrue();
    assertThat(cache.matches("name3", stored, "alice's secret")).isTrue();
  }
}
