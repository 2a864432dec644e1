package io.achat.ops;

import io.achat.client.HealthCheck;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Where the server started from the command line leaves its management URL for
 * {@code a-chat health} ({@link HealthCheck#MANAGEMENT_FILE}), so that the check asks the
 * server that runs, whatever {@code -conf}, variables or properties it was given.
 */
public final class ManagementFile {

  private static final Path FILE = HealthCheck.MANAGEMENT_FILE;

  private ManagementFile() {
  }

  /** The file the URL is written to, for the line that says it could not be. */
  public static Path path() {
    return FILE;
  }

  /** Writes {@code url} to the file, over what another server may have left there. */
  public static void write(String url) throws IOException {
    Files.writeString(FILE, url + "\n");
  }

  /** Removes the file, if it still holds {@code url}: a server started since has written its own. */
  public static void remove(String url) {
    try {
      if (Files.isReadable(FILE) && Files.readString(FILE).trim().equals(url)) {
        Files.delete(FILE);
      }
    } catch (IOException e) {
      // another server's, or gone already
    }
  }
}
