package io.fusedrnn;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every "docs/DESIGN.md, Section" citation in src/, native-tests/ and kernels/ names a section that
 * docs/DESIGN.md has, and no code cites a design document by any other name.
 */
class DesignCitationsTest {
    private static final Pattern CITATION = Pattern.compile("docs/DESIGN\\.md, ([A-Z][\\w ]*)");

    @Test
    void everyCitationNamesASectionOfDocsDesign() throws IOException {
        List<String> sections = Files.readAllLines(Path.of("docs/DESIGN.md")).stream()
                .filter(l -> l.startsWith("## ")).map(l -> l.substring(3).trim()).toList();
        assertTrue(sections.contains("Tolerances") && sections.contains("Semantics"), "sections: " + sections);
        List<String> broken = new ArrayList<>();
        int citations = 0;
        for (Path file : sources()) {
            String text = Files.readString(file);
            Matcher m = CITATION.matcher(text);
            while (m.find()) {
                citations++;
                String cited = m.group(1);
                if (sections.stream().noneMatch(cited::startsWith)) broken.add(file + ": '" + cited + "'");
            }
            Matcher bare = Pattern.compile("(?<!docs/)DESIGN(?!\\.md)").matcher(text);
            if (bare.find()) broken.add(file + ": cites DESIGN without docs/DESIGN.md");
        }
        assertTrue(citations > 20, "found only " + citations + " citations; is the scan looking in the right place?");
        assertEquals(List.of(), broken, "citations naming no section of docs/DESIGN.md " + sections);
    }

    private static List<Path> sources() throws IOException {
        List<Path> files = new ArrayList<>();
        for (String root : new String[] {"src", "native-tests", "kernels"}) {
            try (Stream<Path> s = Files.walk(Path.of(root))) {
                s.filter(p -> p.toString().endsWith(".java") || p.toString().endsWith(".cl"))
                        .filter(p -> !p.endsWith("DesignCitationsTest.java")).forEach(files::add);
            }
        }
        return files;
    }
}
