package org.compliancepipeline.ingest.http;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class LineReaderTest {

    private static List<String> lines(String input, int max) throws Exception {
        RecordStream.LineReader reader = new RecordStream.LineReader(new ByteArrayInputStream(input.getBytes(StandardCharsets.UTF_8)), max);
        List<String> out = new ArrayList<>();
        for (byte[] line = reader.next(); line != null; line = reader.next()) {
            out.add(reader.lineNumber() + ":" + (line == RecordStream.LineReader.TOO_LONG ? "TOO_LONG" : new String(line, StandardCharsets.UTF_8)));
        }
        return out;
    }

    @Test
    void linesEndWithNewlineOrCrlfAndTheLastMayEndWithNothing() throws Exception {
        assertThat(lines("a\nbb\r\n\nccc", 100)).containsExactly("1:a", "2:bb", "3:", "4:ccc");
        assertThat(lines("a\n", 100)).containsExactly("1:a");
        assertThat(lines("", 100)).isEmpty();
    }

    @Test
    void aTooLongLineIsSkippedAloneAndCounted() throws Exception {
        assertThat(lines("ok\n" + "x".repeat(50) + "\nnext\n", 10)).containsExactly("1:ok", "2:TOO_LONG", "3:next");
        assertThat(lines("y".repeat(10) + "\n", 10)).containsExactly("1:" + "y".repeat(10));
    }

    @Test
    void multiByteCharactersSurvive() throws Exception {
        assertThat(lines("{\"d\":\"تقييم\"}\n", 100)).containsExactly("1:{\"d\":\"تقييم\"}");
    }
}
