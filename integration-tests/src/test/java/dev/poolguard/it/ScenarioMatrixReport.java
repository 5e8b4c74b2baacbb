package dev.poolguard.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.function.BiFunction;

/** Writes target/scenario-matrix.md: failed requests per pool, scenario, database and release set, with and without the agent. */
final class ScenarioMatrixReport {
    private ScenarioMatrixReport() {}

    static void write(BiFunction<Db, Libraries, Optional<AppOutput>> withAgent,
                      BiFunction<Db, Libraries, Optional<AppOutput>> withoutAgent) {
        StringBuilder md = new StringBuilder("# Failed requests per scenario, with and without the agent\n\n")
                .append("Cells are `failed of total (max borrow ms)`; n/a when that run did not complete.\n\n")
                .append("| pool | scenario |");
        for (Db db : Db.values()) {
            for (Libraries libs : Libraries.values()) {
                md.append(' ').append(db).append(' ').append(libs).append(" with agent | ")
                        .append(db).append(' ').append(libs).append(" without |");
            }
        }
        md.append("\n|---|---|").append("---|---|".repeat(Db.values().length * Libraries.values().length)).append('\n');
        for (Pool pool : Pool.guarded()) {
            for (Scenario scenario : Scenario.FAULTS) {
                md.append("| ").append(pool).append(" | ").append(scenario).append(" |");
                for (Db db : Db.values()) {
                    for (Libraries libs : Libraries.values()) {
                        md.append(' ').append(cell(withAgent.apply(db, libs), pool, scenario)).append(" |");
                        md.append(' ').append(cell(withoutAgent.apply(db, libs), pool, scenario)).append(" |");
                    }
                }
                md.append('\n');
            }
        }
        write(ItSettings.matrixReport(), md);
    }

    /** Writes a Markdown report and shows it in the build log. */
    static void write(Path report, CharSequence md) {
        try {
            Files.createDirectories(report.getParent());
            Files.writeString(report, md);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        System.out.println("[it] " + report + "\n" + md);
    }

    private static String cell(Optional<AppOutput> run, Pool pool, Scenario scenario) {
        return run.flatMap(out -> out.findSection(pool, scenario))
                .filter(AppOutput.Section::hasResult)
                .map(AppOutput.Section::result)
                .map(r -> r.failed() + " of " + (r.ok() + r.failed()) + " (" + r.maxBorrowMs() + ")")
                .orElse("n/a");
    }
}
