namespace LessonKit.Tests.Display.Browser;

/// <summary>Builds test pages: several fragments in one plain page (no CSP, so any network attempt is visible to the test).</summary>
internal static class ViewPages
{
    public static string Page(params LessonKit.Display.View[] views) =>
        "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>LessonKit views</title></head><body style=\"font-family:sans-serif;margin:16px\">" +
        string.Join("\n", views.Select(v => v.ToHtml())) + "</body></html>";
}
