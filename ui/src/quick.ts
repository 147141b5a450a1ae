import { mount } from "svelte";
import QuickSearch from "./lib/components/copy/QuickSearch.svelte";
import "./app.css";

const target = document.getElementById("app");
if (!target) throw new Error("quick.html has no #app element");

export default mount(QuickSearch, { target });
