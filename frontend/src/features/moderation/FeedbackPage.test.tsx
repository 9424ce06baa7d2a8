import { render, screen } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { apiError, fakeApi, ok } from "../../test/fakeApi";
import { FeedbackPage } from "./FeedbackPage";

describe("FeedbackPage", () => {
  it("lists the owners' messages with the page and the author", async () => {
    fakeApi({
      "GET /api/v1/moderation/feedback": ok({
        results: [
          { id: 2, user_id: 7, message: "<script>alert(1)</script> nice app", page: "/pets", created_at: "2025-06-01T12:00:00Z" },
          { id: 1, user_id: null, message: "Map please", page: "", created_at: "2025-05-01T12:00:00Z" },
        ],
        next: null,
      }),
    });
    const { container } = render(<FeedbackPage />);

    expect(await screen.findByText("<script>alert(1)</script> nice app")).toBeTruthy();
    const notes = screen.getAllByRole("listitem").map((item) => item.querySelector(".muted")?.textContent ?? "");
    expect(notes[0]?.endsWith(" · on /pets · owner #7")).toBe(true);
    expect(notes[1]?.includes("·")).toBe(false);
    expect(container.querySelector("script")).toBeNull();
  });

  it("says when there is none", async () => {
    fakeApi({ "GET /api/v1/moderation/feedback": ok({ results: [], next: null }) });
    render(<FeedbackPage />);

    expect(await screen.findByText("No feedback yet.")).toBeTruthy();
  });

  it("says when the feedback could not be loaded", async () => {
    fakeApi({ "GET /api/v1/moderation/feedback": apiError(500, "server_error", "Something went wrong on our side.") });
    render(<FeedbackPage />);

    expect((await screen.findByRole("alert")).textContent).toBe(
      "The feedback could not be loaded. Something went wrong on our side.",
    );
    expect(screen.queryByText("Loading…")).toBeNull();
  });
});
