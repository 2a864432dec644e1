package io.achat;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * No two of a-chat's packages import each other, directly or through others: each imports only
 * those below it, so that one can be read without the ones above.
 */
class PackageCyclesTest {

  private static final Pattern IMPORT = Pattern.compile("(?m)^import (?:static )?io\\.achat\\.([a-z]+)\\.");
  private static final Pattern PACKAGE = Pattern.compile("(?m)^package io\\.achat(?:\\.([a-z]+))?;");

  @Test
  void noPackageOfSrcMainDependsOnItself() throws IOException {
    Map<String, Set<String>> imports = new TreeMap<>();
    try (Stream<Path> files = Files.walk(Path.of("src/main/java"))) {
      for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
        String source = Files.readString(file);
        Matcher pkg = PACKAGE.matcher(source);
        assertThat(pkg.find()).as("package of %s", file).isTrue();
        String from = pkg.group(1) == null ? "io.achat" : pkg.group(1);
        Set<String> to = imports.computeIfAbsent(from, p -> new TreeSet<>());
        Matcher m = IMPORT.matcher(source);
        while (m.find()) {
          if (!m.group(1).equals(from)) {
            to.add(m.group(1));
          }
        }
      }
    }
    assertThat(imports).containsKeys("broker", "server", "ops", "config");
    assertThat(cycle(imports)).as("a cycle of imports between packages: %s", imports).isEmpty();
  }

  @Test
  void aCycleIsFound() {
    Map<String, Set<String>> imports = Map.of("a", Set.of("b"), "b", Set.of("c"), "c", Set.of("a"), "d", Set.of("a"));
    assertThat(cycle(imports)).isPresent();
    assertThat(cycle(Map.of("a", Set.of("b"), "b", Set.of("c"), "d", Set.of("a", "c")))).isEmpty();
  }

  /** A path that comes back to where it started, if there is one. */
  static Optional<List<String>> cycle(Map<String, Set<String>> imports) {
    for (String start : imports.keySet()) {
      Optional<List<String>> found = from(start, start, imports, new ArrayList<>(List.of(start)), new TreeSet<>());
      if (found.isPresent()) {
        return found;
      }
    }
    return Optional.empty();
  }

  private static Optional<List<String>> from(String start, String at, Map<String, Set<String>> imports,
                                             List<String> path, Set<String> seen) {
    for (String next : imports.getOrDefault(at, Set.of())) {
      if (next.equals(start)) {
        List<String> cycle = new ArrayList<>(path);
        cycle.add(start);
        return Optional.of(cycle);
      }
      if (seen.add(next)) {
        path.add(next);
        Optional<List<String>> found = from(start, next, imports, path, seen);
        if (found.isPresent()) {
          return found;
        }
        path.remove(path.size() - 1);
      }
    }
    return Optional.empty();
  }
}
