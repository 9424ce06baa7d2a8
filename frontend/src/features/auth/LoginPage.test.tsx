import { render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { MemoryRouter, Route, Routes } from "react-router-dom";
import { afterEach, describe, expect, it, vi } from "vitest";
import { currentAccess, setAccess } from "../../api/http";
import { accessToken, apiError, deferred, fakeApi, ok, user, type Answer } from "../../test/fakeApi";
import { describedBy } from "../../test/queries";
import { AuthProvider } from "./AuthContext";
import { LoginPage } from "./LoginPage";

function renderLogin() {
  return render(
    <AuthProvider>
      <MemoryRouter initialEntries={["/login"]}>
        <Routes>
          <Route path="/login" element={<LoginPage />} />
          <Route path="/" element={<p>Suggestions screen</p>} />
        </Routes>
      </MemoryRouter>
    </AuthProvider>,
  );
}

async function fillIn(email: string, password: string) {
  const person = userEvent.setup({ delay: null });
  await person.type(screen.getByLabelText("Email"), email);
  await person.type(screen.getByLabelText("Password"), password);
  await person.click(screen.getByRole("button", { name: "Log in" }));
}

describe("LoginPage", () => {
  afterEach(() => {
    setAccess(null);
  });

  it("shows each field's error next to its field", async () => {
    fakeApi({
      "POST /api/v1/auth/browser/login": apiError(400, "validation_error", "Some fields are invalid: email, password.", {
        email: ["Enter a valid email address."],
        password: ["This field may not be blank."],
      }),
    });
    renderLogin();

    await fillIn("maya@", " ");

    const email = screen.getByLabelText("Email");
    const password = screen.getByLabelText("Password");
    expect(await screen.findByText("Enter a valid email address.")).toBeTruthy();
    expect(describedBy(email)).toBe("Enter a valid email address.");
    expect(describedBy(password)).toBe("This field may not be blank.");
    expect(email.getAttribute("aria-invalid")).toBe("true");
    expect(password.getAttribute("aria-invalid")).toBe("true");
    // Announced: each field's list of errors is an alert; no form-wide summary on top of them.
    expect(screen.getAllByRole("alert").map((alert) => alert.textContent)).toEqual([
      "Enter a valid email address.",
      "This field may not be blank.",
    ]);
    expect(screen.queryByText("Some fields are invalid: email, password.")).toBeNull();
  });

  it("says the credentials are wrong for the whole form, not for a field", async () => {
    fakeApi({
      "POST /api/v1/auth/browser/login": apiError(401, "not_authenticated", "Email or password is incorrect."),
    });
    renderLogin();

    await fillIn("maya@example.com", "wrong-password");

    expect((await screen.findByRole("alert")).textContent).toBe("Email or password is incorrect.");
    expect(screen.getByLabelText("Email").getAttribute("aria-invalid")).toBeNull();
    expect(screen.getByLabelText("Password").getAttribute("aria-invalid")).toBeNull();
    expect(screen.getByRole("button", { name: "Log in" })).toHaveProperty("disabled", false);
  });

  it("disables the button while sending, then logs in and moves on", async () => {
    const answer = deferred<Answer>();
    const me = user();
    const token = accessToken(me.id);
    const api = fakeApi({ "POST /api/v1/auth/browser/login": () => answer.promise });
    renderLogin();

    await fillIn("maya@example.com", "Paws-Play-Demo-2468");

    const button = screen.getByRole("button", { name: "Logging in…" });
    expect(button).toHaveProperty("disabled", true);
    expect(api.callsTo("POST", "/api/v1/auth/browser/login")).toHaveLength(1);
    const [call] = api.calls;
    expect(call?.body).toEqual({ email: "maya@example.com", password: "Paws-Play-Demo-2468" });
    // The browser session flow: the client header, never a bearer token.
    expect(call?.headers["x-pawdate-client"]).toBe("web");
    expect(call?.headers.authorization).toBeUndefined();

    answer.resolve(ok({ access: token, user: me }));

    expect(await screen.findByText("Suggestions screen")).toBeTruthy();
    expect(currentAccess()).toBe(token);
  });

  it("tells an owner who is offline so", async () => {
    vi.stubGlobal("fetch", () => Promise.reject(new TypeError("Failed to fetch")));
    renderLogin();

    await fillIn("maya@example.com", "Paws-Play-Demo-2468");

    expect((await screen.findByRole("alert")).textContent).toBe(
      "You seem to be offline. Check your connection and try again.",
    );
  });

  it("passes on the rate limit's sentence", async () => {
    fakeApi({
      "POST /api/v1/auth/browser/login": apiError(429, "rate_limited", "Too many requests. Try again in 42 seconds.",
        undefined, { "Retry-After": "42" }),
    });
    renderLogin();

    await fillIn("maya@example.com", "Paws-Play-Demo-2468");

    expect((await screen.findByRole("alert")).textContent).toBe("Too many requests. Try again in 42 seconds.");
  });
});
