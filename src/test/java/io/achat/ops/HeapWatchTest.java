package io.achat.ops;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.assertj.core.api.Assertions.assertThat;

@Timeout(30)
class HeapWatchTest {

  @Test
  void aHeapFullerThanTheBoundAfterACollectionIsExhaustedAndOneBelowItIsNot() {
    HeapWatch nearlyEmpty = new HeapWatch(1e-9); // any use at all is past this
    System.gc(); // a full collection: every heap pool reports its use after it
    assertThat(nearlyEmpty.exhausted()).hasValueSatisfying(what -> assertThat(what).contains("after a collection"));
    HeapWatch full = new HeapWatch(0.98);
    System.gc();
    assertThat(full.exhausted()).isEmpty();
  }
}
