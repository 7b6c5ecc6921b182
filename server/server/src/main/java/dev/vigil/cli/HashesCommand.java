package dev.vigil.cli;

import dev.vigil.engine.hash.HashListFolder;
import dev.vigil.engine.hash.HashListReader;
import dev.vigil.engine.hash.PdqHasher;
import dev.vigil.engine.hash.PdqIndex;
import dev.vigil.engine.hash.PdqResult;
import dev.vigil.engine.image.DecodeLimits;
import dev.vigil.engine.image.EncodedImage;
import dev.vigil.engine.image.ImageDecoder;
import dev.vigil.engine.image.Pixels;
import dev.vigil.models.VigilPaths;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code vigil hashes ...}: the hash lists {@code vigil serve} blocks on. A list is a file
 * {@code <dir>/NAME.tsv} of PDQ hashes (hex, optional label). Every change goes through
 * {@link HashListFolder}: the folder's lock (concurrent writers, in any process, queue), a
 * temporary file fsynced and renamed into place, so a running server's reload sees the old or
 * the new list, never half of one, and no writer's hashes are lost.
 */
@Command(name = "hashes", mixinStandardHelpOptions = true,
        description = "Manage PDQ hash lists: add images, import hash files, list what is loaded.",
        subcommands = {HashesCommand.Add.class, HashesCommand.Import.class, HashesCommand.Accept.class, HashesCommand.ListLists.class})
public final class HashesCommand {
    @Spec
    CommandSpec spec;

    @Option(names = "--dir", paramLabel = "DIR", scope = picocli.CommandLine.ScopeType.INHERIT,
            description = "Folder of the lists (default: <cache>/hash-lists, the one ./vigil serve reads).")
    Path dir;

    Path dir() {
        return dir != null ? dir : CliSupport.hashListsDir(VigilPaths.resolve(null, null));
    }

    /** Adds lines to list {@code name} under the folder's lock; returns the list's file. */
    Path append(String name, List<String> lines) throws IOException {
        return HashListFolder.append(dir(), name, lines);
    }

    @Command(name = "add", mixinStandardHelpOptions = true, description = "Hash images and add them to a list (images of PDQ quality under 50 are refused).")
    static final class Add implements Callable<Integer> {
        @ParentCommand
        HashesCommand hashes;

        @Option(names = "--list", required = true, paramLabel = "NAME", description = "The list (created if missing).")
        String list;

        @Option(names = "--label", paramLabel = "TEXT", description = "Label stored with each hash (default: the file name).")
        String label;

        @Parameters(paramLabel = "IMAGE", arity = "1..*", description = "Images to add.")
        List<Path> images = new ArrayList<>();

        @Override
        public Integer call() throws IOException {
            ImageDecoder decoder = new ImageDecoder(DecodeLimits.defaults());
            PdqHasher hasher = new PdqHasher();
            List<String> lines = new ArrayList<>();
            for (Path image : images) {
                PdqResult r;
                try (Pixels pixels = decoder.decode(new EncodedImage(Files.readAllBytes(image)))) {
                    r = hasher.hash(pixels);
                }
                if (r.quality() < 50) {
                    throw new IllegalArgumentException(image + ": PDQ quality " + r.quality() + " (expected: >= 50; such hashes are never matched)");
                }
                String text = (label != null ? label : image.getFileName().toString()).replace('\t', ' ').replace('\n', ' ');
                lines.add(r.hash().toHex() + "\t" + text);
            }
            HashListFolder.checkName(list); // before any image is read
            Path file = hashes.append(list, lines);
            hashes.spec.commandLine().getOut().printf(Locale.ROOT, "added %d hash(es) to %s (%s)%n", lines.size(), list, file);
            return 0;
        }
    }

    @Command(name = "import", mixinStandardHelpOptions = true, description = "Add the hashes of a file (hex per line, optional label; TSV or CSV) to a list.")
    static final class Import implements Callable<Integer> {
        @ParentCommand
        HashesCommand hashes;

        @Option(names = "--list", required = true, paramLabel = "NAME", description = "The list (created if missing).")
        String list;

        @Parameters(paramLabel = "FILE", description = "A hash list file to import; it is checked whole before anything is added.")
        Path file;

        @Override
        public Integer call() throws IOException {
            HashListFolder.checkName(list);
            PdqIndex checked = HashListReader.read(file); // a malformed line fails with file:line and nothing is added
            Path target = hashes.append(list, Files.readAllLines(file, StandardCharsets.UTF_8));
            hashes.spec.commandLine().getOut().printf(Locale.ROOT, "imported %d hash(es) from %s into %s (%s)%n", checked.size(), file, list, target);
            return 0;
        }
    }

    @Command(name = "accept", mixinStandardHelpOptions = true,
            description = {"Let a running server load a list as it is now although it shrank by more than the allowed share, or to nothing.",
                    "Without this a server keeps the last good version of a list that lost more than half its entries (serve --hash-max-shrink)."})
    static final class Accept implements Callable<Integer> {
        @ParentCommand
        HashesCommand hashes;

        @Option(names = "--list", required = true, paramLabel = "NAME", description = "The list whose current contents to accept.")
        String list;

        @Override
        public Integer call() throws IOException {
            String digest = HashListFolder.accept(hashes.dir(), list);
            hashes.spec.commandLine().getOut().printf(Locale.ROOT, "accepted %s as it is now (sha256 %s); a running server loads it at its next"
                    + " check or SIGHUP%n", list, digest);
            return 0;
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List the hash lists and their sizes.")
    static final class ListLists implements Callable<Integer> {
        @ParentCommand
        HashesCommand hashes;

        @Override
        public Integer call() {
            PrintWriter out = hashes.spec.commandLine().getOut();
            out.println("hash lists: " + hashes.dir());
            List<Path> files = HashListFolder.lists(hashes.dir());
            if (files.isEmpty()) {
                out.println("(none; ./vigil hashes add --list NAME IMAGE... or ./vigil hashes import --list NAME FILE)");
            }
            for (Path f : files) {
                out.printf(Locale.ROOT, "%-24s %8d hash(es)  %s%n", HashListFolder.name(f), HashListReader.read(f).size(), f);
            }
            return 0;
        }
    }
}
