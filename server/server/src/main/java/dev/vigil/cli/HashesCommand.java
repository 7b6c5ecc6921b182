package dev.vigil.cli;

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
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code vigil hashes ...}: the hash lists {@code vigil serve} blocks on. A list is a file
 * {@code <dir>/NAME.tsv} of PDQ hashes (hex, optional label). Every change rewrites the file
 * aside and renames it into place, so a running server's reload sees the old or the new list,
 * never half of one.
 */
@Command(name = "hashes", mixinStandardHelpOptions = true,
        description = "Manage PDQ hash lists: add images, import hash files, list what is loaded.",
        subcommands = {HashesCommand.Add.class, HashesCommand.Import.class, HashesCommand.ListLists.class})
public final class HashesCommand {
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]{1,64}");

    @Spec
    CommandSpec spec;

    @Option(names = "--dir", paramLabel = "DIR", scope = picocli.CommandLine.ScopeType.INHERIT,
            description = "Folder of the lists (default: <cache>/hash-lists, the one ./vigil serve reads).")
    Path dir;

    Path dir() {
        return dir != null ? dir : CliSupport.hashListsDir(VigilPaths.resolve(null, null));
    }

    Path listFile(String name) {
        if (!NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("list: '" + name + "' (expected: 1 to 64 of letters, digits, '.', '_', '-')");
        }
        return dir().resolve(name + ".tsv");
    }

    /** Appends lines to a list, checking the result parses, then renames it into place. */
    void append(Path file, List<String> lines) throws IOException {
        Files.createDirectories(file.getParent());
        Path tmp = Files.createTempFile(file.getParent(), "." + file.getFileName(), ".tmp");
        try {
            List<String> all = new ArrayList<>(Files.exists(file) ? Files.readAllLines(file, StandardCharsets.UTF_8) : List.of());
            all.addAll(lines);
            Files.write(tmp, all, StandardCharsets.UTF_8);
            HashListReader.read(tmp); // refuses a malformed result before it replaces the list
            try {
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
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
            Path file = hashes.listFile(list);
            hashes.append(file, lines);
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
            PdqIndex checked = HashListReader.read(file); // a malformed line fails with file:line and nothing is added
            Path target = hashes.listFile(list);
            hashes.append(target, Files.readAllLines(file, StandardCharsets.UTF_8));
            hashes.spec.commandLine().getOut().printf(Locale.ROOT, "imported %d hash(es) from %s into %s (%s)%n", checked.size(), file, list, target);
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
            List<Path> files = CliSupport.listFiles(hashes.dir());
            if (files.isEmpty()) {
                out.println("(none; ./vigil hashes add --list NAME IMAGE... or ./vigil hashes import --list NAME FILE)");
            }
            for (Path f : files) {
                out.printf(Locale.ROOT, "%-24s %8d hash(es)  %s%n", CliSupport.listName(f), HashListReader.read(f).size(), f);
            }
            return 0;
        }
    }
}
