import { mount } from "svelte";
import QuickSearch from "./lib/components/copy/QuickSearch.svelte";
import "./app.css";
import { startTheme } from "./lib/state/theme.svelte";

const target = document.getElementById("app");
if (!target) throw new Error("quick.html has no #app element");

startTheme();

export default mount(QuickSearch, { target });
