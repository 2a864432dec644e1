package io.achat.doors;

import io.achat.config.ChatConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.InetAddress;

import static org.assertj.core.api.Assertions.assertThat;

/** The per-address rules of every door, as plain logic. */
@Timeout(30)
class AdmissionTest {

  private static final ChatConfig CONFIG = ChatConfig.fromJson(ChatConfig.defaults().put("exemptAddresses", "192.0.2.99"));

  private static String key(String literal) throws Exception {
    return Admission.key(InetAddress.getByName(literal), CONFIG);
  }

  @Test
  void anIpv6ClientCountsUnderItsSlash64AndAnIpv4ClientUnderItself() throws Exception {
    assertThat(key("2001:db8:1:2::1")).isEqualTo("2001:db8:1:2::/64");
    assertThat(key("2001:db8:1:2:ffff:ffff:ffff:ffff")).isEqualTo(key("2001:db8:1:2::1"));
    assertThat(key("2001:db8:1:3::1")).isNotEqualTo(key("2001:db8:1:2::1"));
    assertThat(key("203.0.113.7")).isEqualTo("203.0.113.7");
    assertThat(key("::ffff:203.0.113.7")).as("IPv4-mapped").isEqualTo("203.0.113.7");
    assertThat(key("192.0.2.99")).as("exempt").isNull();
    assertThat(Admission.key(InetAddress.getByName("127.0.0.1"), ChatConfig.fromJson(ChatConfig.defaults())))
      .as("loopback, exempt by default").isNull();
  }

  @Test
  void theIpv6NetworkThatCountsAsOneClientIsConfigurable() throws Exception {
    InetAddress address = InetAddress.getByName("2001:db8:1:2345:6789::1");
    assertThat(Admission.prefix(address, 48)).isEqualTo("2001:db8:1::/48");
    assertThat(Admission.prefix(address, 56)).isEqualTo("2001:db8:1:2300::/56");
    assertThat(Admission.prefix(address, 128)).isEqualTo("2001:db8:1:2345:6789:0:0:1/128");
    ChatConfig per48 = ChatConfig.fromJson(ChatConfig.defaults().put("ipv6PrefixBits", 48));
    assertThat(Admission.key(InetAddress.getByName("2001:db8:1:ffff::1"), per48))
      .isEqualTo(Admission.key(address, per48));
    assertThat(Admission.prefix(InetAddress.getByName("203.0.113.7"), 48)).as("IPv4: itself").isEqualTo("203.0.113.7");
  }

  @Test
  void anAddressHoldsAtMostMaxOpenAndGetsItsPlacesBackAsTheyClose() {
    Admission admission = new Admission(2, 0, 100);
    assertThat(admission.enter("a")).isEqualTo(Admission.Verdict.ADMITTED);
    assertThat(admission.enter("a")).isEqualTo(Admission.Verdict.ADMITTED);
    assertThat(admission.enter("a")).isEqualTo(Admission.Verdict.ADDRESS_LIMIT);
    assertThat(admission.enter("b")).isEqualTo(Admission.Verdict.ADMITTED);
    assertThat(admission.open("a")).isEqualTo(2);
    admission.leave("a");
    assertThat(admission.enter("a")).isEqualTo(Admission.Verdict.ADMITTED);
    admission.leave("a");
    admission.leave("a");
    assertThat(admission.open("a")).isZero();
    assertThat(admission.enter(null)).as("exempt: never counted").isEqualTo(Admission.Verdict.ADMITTED);
  }

  @Test
  void pastMaxNewAMinuteAnAddressIsThrottledAndItsRefusalsCountWhileTheyAreHeld() {
    Admission admission = new Admission(0, 3, 100);
    for (int i = 0; i < 3; i++) {
      assertThat(admission.enter("a")).isEqualTo(Admission.Verdict.ADMITTED);
      admission.leave("a");
    }
    assertThat(admission.enter("a")).isEqualTo(Admission.Verdict.THROTTLED);
    assertThat(admission.open("a")).as("held until its refusal closes it").isEqualTo(1);
    assertThat(admission.enter("b")).isEqualTo(Admission.Verdict.ADMITTED);
  }

  @Test
  void theRateStateIsBoundedWhateverTheNumberOfAddresses() {
    Admission admission = new Admission(0, 1, 50);
    for (int i = 0; i < 1000; i++) {
      String address = "198.51.100." + i;
      admission.enter(address);
      admission.leave(address);
      assertThat(admission.tracked()).isLessThanOrEqualTo(50);
    }
    // Untracked past the bound: let in, the other bounds still hold.
    assertThat(admission.enter("203.0.113.1")).isEqualTo(Admission.Verdict.ADMITTED);
  }
}
