import { render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { apiError, fakeApi, ok } from "../../test/fakeApi";
import { UsersPage } from "./UsersPage";

const SAM = { id: 9, email: "sam@example.com", username: "sam", role: "owner", date_joined: "2025-05-01T09:00:00Z" };

describe("UsersPage", () => {
  it("suspends a user by id with the note, and lifts the suspension", async () => {
    const api = fakeApi({
      "POST /api/v1/moderation/users/9/suspend": ok({ ...SAM, suspended_at: "2025-06-01T12:00:00Z" }),
      "POST /api/v1/moderation/users/9/unsuspend": ok({ ...SAM, suspended_at: null }),
    });
    render(<UsersPage />);
    const person = userEvent.setup({ delay: null });
    expect(screen.getByRole("button", { name: "Suspend" })).toHaveProperty("disabled", true);

    await person.type(screen.getByLabelText("User id"), "#9x");
    expect(screen.getByLabelText("User id")).toHaveProperty("value", "9");
    await person.type(screen.getByLabelText("Why (for the audit log)"), "Spam");
    await person.click(screen.getByRole("button", { name: "Suspend" }));
    expect((await screen.findByRole("status")).textContent).toBe("sam is suspended.");

    await person.click(screen.getByRole("button", { name: "Lift suspension" }));
    expect((await screen.findByText("sam may use Pawdate again.")).getAttribute("role")).toBe("status");

    expect(api.calls.map((call) => [call.method, call.path, call.body])).toEqual([
      ["POST", "/api/v1/moderation/users/9/suspend", { note: "Spam" }],
      ["POST", "/api/v1/moderation/users/9/unsuspend", { note: "Spam" }],
    ]);
  });

  it("passes on the server's refusal", async () => {
    fakeApi({
      "POST /api/v1/moderation/users/1/suspend": apiError(409, "conflict", "A moderator cannot be suspended: change their role in the admin first."),
    });
    render(<UsersPage />);
    const person = userEvent.setup({ delay: null });

    await person.type(screen.getByLabelText("User id"), "1");
    await person.click(screen.getByRole("button", { name: "Suspend" }));

    expect((await screen.findByRole("status")).textContent).toBe("A moderator cannot be suspended: change their role in the admin first.");
  });
});
